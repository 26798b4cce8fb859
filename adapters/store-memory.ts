import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StoredParameter } from '../runtime/desired-source.js';
import type { StoreMemoryPort } from '../runtime/store-guard.js';
import type { RememberedStore } from '../runtime/store-identity.js';

/**
 * The instance's memory of its store, in <stateDir>/store/: one small identity file and the last specs listed.
 * Keyed by instance and gateway root, so several operators (or gateways) sharing a directory never mix. The
 * specs may hold decrypted SecureStrings: the directory is 0700 and the files 0600, like squid's password file.
 */
export function createStoreMemory(stateDir: string, instanceId: string, root: string): StoreMemoryPort {
  const dir = join(stateDir, 'store');
  const key = `${instanceId}.${createHash('sha256').update(root).digest('hex').slice(0, 12)}`;
  const identityFile = join(dir, `${key}.identity.json`);
  const snapshotFile = join(dir, `${key}.snapshot.json`);
  return {
    readIdentity: () => readJson<RememberedStore>(identityFile),
    writeIdentity: (identity) => writeAtomically(dir, identityFile, JSON.stringify(identity)),
    readSnapshot: () => readJson<StoredParameter[]>(snapshotFile),
    writeSnapshot: (parameters) => writeAtomically(dir, snapshotFile, JSON.stringify(parameters)),
  };
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw memoryError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // A torn or foreign file is not a memory: refusing it keeps the guard from trusting an empty one.
    throw memoryError(`${path} is not valid JSON; move it away to start afresh`);
  }
}

/** Write, fsync, rename: a crash leaves the old file or the new one, never half of one. */
async function writeAtomically(dir: string, path: string, text: string): Promise<void> {
  try {
    // The state directory is shared (supervised daemons' files live under it and their users must traverse it):
    // only the memory's own directory is private.
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${randomUUID()}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    throw memoryError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

function memoryError(message: string): Error {
  const err = new Error(message);
  err.name = 'StoreMemoryError';
  return err;
}
