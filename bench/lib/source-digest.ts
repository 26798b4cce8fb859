import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultResultsDir } from './report.js';

/**
 * A short digest of the sources a result depends on. Controllers under active development are not committed yet, so
 * the commit id alone does not say which compiler produced a number; equal digests mean the same code was measured.
 */
export async function sourceDigest(paths: readonly string[]): Promise<{ sha256: string; files: number }> {
  const root = resolve(defaultResultsDir(), '../..');
  const files: string[] = [];
  for (const path of paths) {
    if (path.endsWith('/')) {
      const names = await readdir(join(root, path)).catch(() => [] as string[]);
      files.push(...names.filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).map((n) => `${path}${n}`));
    } else files.push(path);
  }
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(await readFile(join(root, file)).catch(() => Buffer.from('missing')));
  }
  return { sha256: hash.digest('hex').slice(0, 16), files: files.length };
}

/** The data-plane code the rules-apply and forwarding benchmarks measure. */
export const DATA_PLANE_SOURCES = [
  'controllers/firewall/compile/',
  'controllers/firewall/plan.ts',
  'controllers/port-forward/table.ts',
  'controllers/port-forward/forwards.ts',
  'controllers/source-nat/table.ts',
  'renderers/nft/',
  'runtime/nft/owned-table.ts',
  'adapters/nft.ts',
  'adapters/exec-runner.ts',
];
