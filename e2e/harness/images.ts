// Builds the e2e images (scripts/build-images.sh) once per test run.
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// CSGW_E2E_IMAGE_TAG lets two checkouts on one machine (git worktrees) build and test their own images side by side.
const TAG = process.env.CSGW_E2E_IMAGE_TAG ?? 'dev';
export const GATEWAY_IMAGE = `csgw/gateway:${TAG}`;
export const TESTHOST_IMAGE = `csgw/testhost:${TAG}`;

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_TIMEOUT_MS = 20 * 60_000;

// Jest gives every test file its own module registry (and process.env copy),
// so a module-level flag would rebuild once per file. One stamp file records
// which process built last: the same pid started at the same time (so a
// recycled pid does not count) means this --runInBand run already built.
const STAMP = join(tmpdir(), `csgw-e2e-images-${TAG}.stamp`);
const PROCESS_START_MS = Date.now() - process.uptime() * 1000;

async function builtThisRun(): Promise<boolean> {
  const [pid, startMs] = (await readFile(STAMP, 'utf8').catch(() => '')).split(' ').map(Number);
  return pid === process.pid && Math.abs((startMs ?? 0) - PROCESS_START_MS) < 1000;
}

let pending: Promise<void> | undefined;

/** Builds base (if missing), gateway and testhost images. Needs dist/ (npm run build). */
export function ensureImages(): Promise<void> {
  pending ??= (async () => {
    if (await builtThisRun()) return;
    // The script logs to stderr; let it through so a slow first build (debootstrap) is visible.
    await execa('bash', [join(REPO_ROOT, 'scripts', 'build-images.sh')], {
      cwd: REPO_ROOT,
      env: {
        GATEWAY_IMAGE,
        TESTHOST_IMAGE,
        ...(TAG === 'dev' ? {} : { CSGW_IMAGE_CACHE: join(tmpdir(), `csgw-images-${TAG}`) }),
      },
      stdout: 'inherit',
      stderr: 'inherit',
      timeout: BUILD_TIMEOUT_MS,
    });
    await writeFile(STAMP, `${process.pid} ${Math.round(PROCESS_START_MS)}\n`);
  })();
  return pending;
}
