// Builds the e2e images (scripts/build-images.sh) once per test run.
import { execa } from 'execa';
import { stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GATEWAY_IMAGE = 'csgw/gateway:dev';
export const TESTHOST_IMAGE = 'csgw/testhost:dev';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_TIMEOUT_MS = 20 * 60_000;

// Jest gives every test file its own module registry, so a module-level flag
// would rebuild once per file. A stamp file written by this process (pid +
// newer than the process start, so a recycled pid does not count) is shared
// by all files of a --runInBand run.
const STAMP = join(tmpdir(), `csgw-e2e-images.${process.pid}.stamp`);
const PROCESS_START_MS = Date.now() - process.uptime() * 1000;

async function builtThisRun(): Promise<boolean> {
  const info = await stat(STAMP).catch(() => undefined);
  return info !== undefined && info.mtimeMs >= PROCESS_START_MS;
}

let pending: Promise<void> | undefined;

/** Builds base (if missing), gateway and testhost images. Needs dist/ (npm run build). */
export function ensureImages(): Promise<void> {
  pending ??= (async () => {
    if (await builtThisRun()) return;
    // The script logs to stderr; let it through so a slow first build (debootstrap) is visible.
    await execa('bash', [join(REPO_ROOT, 'scripts', 'build-images.sh')], {
      cwd: REPO_ROOT,
      stdout: 'inherit',
      stderr: 'inherit',
      timeout: BUILD_TIMEOUT_MS,
    });
    await writeFile(STAMP, `${new Date().toISOString()}\n`);
  })();
  return pending;
}
