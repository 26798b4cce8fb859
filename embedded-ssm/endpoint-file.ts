// <dataDir>/endpoint.json advertises the live server's URL to other processes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, isErrno, removeFile, writeFileAtomic } from './fsutil.js';
import { isObject } from './input.js';

export interface EndpointRecord {
  url: string;
  pid: number;
  /** Token of the lock held by the server, so a stale file can't be mistaken for a live one. */
  token: string;
}

function endpointPath(dataDir: string): string {
  return join(dataDir, 'endpoint.json');
}

export async function writeEndpoint(dataDir: string, record: EndpointRecord): Promise<void> {
  await writeFileAtomic(endpointPath(dataDir), `${JSON.stringify(record)}\n`, 0o644);
}

export async function readEndpoint(dataDir: string): Promise<EndpointRecord | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(endpointPath(dataDir), 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (!isObject(parsed)) return undefined;
  const { url, pid, token } = parsed;
  return typeof url === 'string' && typeof pid === 'number' && typeof token === 'string'
    ? { url, pid, token }
    : undefined;
}

export async function removeEndpoint(dataDir: string): Promise<void> {
  await removeFile(endpointPath(dataDir));
  await fsyncDir(dataDir);
}
