// One serving process per dataDir: <dataDir>/server.lock names the owner. It is created
// atomically with its content (write temp file, then link), and a dead owner's lock is taken
// over under a short-lived guard file so two contenders can't both remove it.
import { randomUUID } from 'node:crypto';
import { link, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fsyncDir, isErrno, removeFile, writeNewFile } from './fsutil.js';
import { isObject } from './input.js';
import type { ProcessIdentity } from './process-identity.js';
import { currentIdentity, isAlive } from './process-identity.js';
import type { EndpointLogger } from './types.js';

export interface LockOwner extends ProcessIdentity {
  token: string;
}

export interface HeldLock {
  owner: LockOwner;
  release(): Promise<void>;
}

export class EmbeddedSsmLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`embedded SSM data dir ${dataDir} is already served by live process ${pid}`);
    this.name = 'EmbeddedSsmLockedError';
  }
}

const LOCK_FILE = 'server.lock';
const GUARD_FILE = 'server.lock.takeover';
const ATTEMPTS = 20;

/** Creates path holding content, failing (false) if it exists; readers never see it half-written. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeNewFile(tmp, content);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await removeFile(tmp);
  }
}

/** The owner recorded in a lock file; a garbled file counts as a dead owner. */
export async function readOwner(path: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && typeof parsed['pid'] === 'number' && typeof parsed['token'] === 'string') {
      return parsed as unknown as LockOwner;
    }
  } catch {
    // garbled: fall through
  }
  return { pid: 0, token: `garbled:${text}` };
}

export function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

/** Removes the lock if it still belongs to the dead owner; does nothing while another process holds the guard. */
async function removeStale(dataDir: string, stale: LockOwner, me: LockOwner, logger?: EndpointLogger): Promise<void> {
  const guard = join(dataDir, GUARD_FILE);
  if (!(await createExclusive(guard, JSON.stringify(me)))) {
    const holder = await readOwner(guard);
    // A guard left by a crashed takeover is removed; the caller retries.
    if (holder !== undefined && !(await isAlive(holder))) await removeFile(guard);
    return;
  }
  try {
    const current = await readOwner(lockPath(dataDir));
    if (current?.token === stale.token) {
      logger?.warn({ dataDir, stalePid: stale.pid }, 'taking over stale embedded SSM lock');
      await removeFile(lockPath(dataDir));
    }
  } finally {
    await removeFile(guard);
  }
}

function held(dataDir: string, owner: LockOwner): HeldLock {
  return {
    owner,
    async release() {
      const current = await readOwner(lockPath(dataDir));
      if (current?.token !== owner.token) return;
      await removeFile(lockPath(dataDir));
      await fsyncDir(dataDir);
    },
  };
}

/** Takes the lock of dataDir or throws EmbeddedSsmLockedError naming the live owner. */
export async function acquireLock(dataDir: string, logger?: EndpointLogger): Promise<HeldLock> {
  const me: LockOwner = { ...(await currentIdentity()), token: randomUUID() };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(lockPath(dataDir), JSON.stringify(me))) {
      await fsyncDir(dataDir);
      return held(dataDir, me);
    }
    const owner = await readOwner(lockPath(dataDir));
    if (owner !== undefined && (await isAlive(owner))) throw new EmbeddedSsmLockedError(dataDir, owner.pid);
    if (owner !== undefined) await removeStale(dataDir, owner, me, logger);
    await delay(attempt * 5);
  }
  throw new Error(`could not acquire the lock of embedded SSM data dir ${dataDir}`);
}
