// Lifecycle of the embedded endpoint: lock the data dir, load state, listen, advertise.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createCipher, loadOrCreateKey } from './crypto.js';
import { readEndpoint, removeEndpoint, writeEndpoint } from './endpoint-file.js';
import { createRequestHandler } from './http.js';
import type { HeldLock } from './lock.js';
import { acquireLock, EmbeddedSsmLockedError, lockPath, readOwner } from './lock.js';
import { isAlive } from './process-identity.js';
import { QueueRegistry } from './sqs/registry.js';
import { ParameterStore } from './store.js';
import type { EndpointLogger } from './types.js';

export interface EmbeddedSsmOptions {
  /** State lives here. */
  dataDir: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 = ephemeral. */
  port?: number;
  /** pino-compatible, optional. */
  logger?: EndpointLogger;
}

export interface EmbeddedSsmHandle {
  url: string;
  owned: boolean;
  close(): Promise<void>;
}

/** How long in-flight requests get to finish on close before connections are cut. */
const CLOSE_GRACE_MS = 2000;
const CONNECT_ATTEMPTS = 50;
const CONNECT_RETRY_MS = 100;

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise(server.address() as AddressInfo);
    });
  });
}

/** Clients reach a wildcard bind through loopback. */
function advertisedUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((done) => {
    server.close(() => {
      done();
    });
  });
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    server.closeAllConnections();
  }, CLOSE_GRACE_MS);
  await closed;
  clearTimeout(timer);
}

async function serve(dataDir: string, lock: HeldLock, opts: EmbeddedSsmOptions): Promise<EmbeddedSsmHandle> {
  const cipher = createCipher(await loadOrCreateKey(dataDir));
  const queues = await QueueRegistry.open(dataDir, { now: Date.now, logger: opts.logger });
  // Change events go out after each write is durable, in write order (the store calls this inside its queue).
  const store = await ParameterStore.open(dataDir, (change) => {
    queues.publish(change);
  });
  const server = createServer(createRequestHandler({ store, queues, cipher, logger: opts.logger, now: Date.now }));
  try {
    const url = advertisedUrl(await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0));
    queues.setBaseUrl(url);
    await writeEndpoint(dataDir, { url, pid: process.pid, token: lock.owner.token });
    opts.logger?.info({ dataDir, url, parameters: store.size }, 'embedded SSM endpoint listening');
    const shutdown = async (): Promise<void> => {
      await removeEndpoint(dataDir);
      // Long polls end first, empty, so closing does not wait out their 20 s.
      await queues.close();
      await closeServer(server);
      await store.drain();
      await lock.release();
      opts.logger?.info({ dataDir, url }, 'embedded SSM endpoint stopped');
    };
    let closing: Promise<void> | undefined;
    return { url, owned: true, close: () => (closing ??= shutdown()) };
  } catch (err) {
    await closeServer(server);
    throw err;
  }
}

/** Starts serving dataDir. Fails with EmbeddedSsmLockedError if another live process already serves it. */
export async function startEmbeddedSsm(opts: EmbeddedSsmOptions): Promise<EmbeddedSsmHandle> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(dataDir, opts.logger);
  try {
    return await serve(dataDir, lock, opts);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** Reads the URL of the live server of dataDir, or undefined. */
export async function discoverEmbeddedSsm(dataDir: string): Promise<string | undefined> {
  const dir = resolve(dataDir);
  const endpoint = await readEndpoint(dir);
  if (endpoint === undefined) return undefined;
  const owner = await readOwner(lockPath(dir));
  if (owner === undefined || owner.token !== endpoint.token || !(await isAlive(owner))) return undefined;
  return endpoint.url;
}

/** Uses the live server of dataDir if there is one (owned=false), otherwise starts one (owned=true). */
export async function connectOrStartEmbeddedSsm(opts: EmbeddedSsmOptions): Promise<EmbeddedSsmHandle> {
  for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
    const url = await discoverEmbeddedSsm(opts.dataDir);
    if (url !== undefined) return { url, owned: false, close: () => Promise.resolve() };
    try {
      return await startEmbeddedSsm(opts);
    } catch (err) {
      if (!(err instanceof EmbeddedSsmLockedError)) throw err;
    }
    // Another process holds the lock but has not advertised its URL yet: it is still starting.
    await delay(CONNECT_RETRY_MS);
  }
  throw new Error(`embedded SSM data dir ${opts.dataDir} is locked but no endpoint was advertised`);
}
