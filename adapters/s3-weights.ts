import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { WeightsPort, WeightsSyncResult } from '../runtime/local-inference.js';
import { requestHandlerOptions, type RemoteTimeouts } from './aws/client-config.js';

/** Written once a sync of a source has completed: the weights on disk are whole. */
const COMPLETE = '.csgw-weights-complete.json';
/** What was fetched, by key: an object whose ETag and size did not change is not fetched again. */
const MANIFEST = '.csgw-weights.json';
type Manifest = Record<string, { etag: string; size: number }>;

/** Each S3 call waits at most this long for a byte; a weight file streams for as long as it keeps flowing. */
const TIMEOUTS: RemoteTimeouts = { connectMs: 5_000, requestMs: 60_000 };

/**
 * Model weights from an S3 prefix of the customer's account (the instance role reads it), never from a model hub.
 * Only changed objects are fetched, each to a temporary name then renamed, so a sync cut short leaves no half file
 * under a real name and the next sync resumes.
 */
export function createS3Weights(defaultRegion: string | undefined): WeightsPort {
  const clients = new Map<string, S3Client>();
  const client = (region: string | undefined): S3Client => {
    const key = region ?? defaultRegion ?? '';
    let c = clients.get(key);
    if (!c) {
      c = new S3Client({ ...(key ? { region: key } : {}), maxAttempts: 3, ...requestHandlerOptions(TIMEOUTS) });
      clients.set(key, c);
    }
    return c;
  };
  return {
    sync: (source, dir, signal) => sync(client(source.region), source.uri, dir, signal),
    present: async (source, dir) => {
      const done = JSON.parse(await readFile(join(dir, COMPLETE), 'utf8').catch(() => '{}')) as { uri?: string };
      return done.uri === source.uri;
    },
  };
}

async function sync(s3: S3Client, uri: string, dir: string, signal: AbortSignal): Promise<WeightsSyncResult> {
  const { bucket, prefix } = parseS3Uri(uri);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8').catch(() => '{}')) as Manifest;
  const result: WeightsSyncResult = { objects: 0, bytes: 0, fetched: 0 };
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      { abortSignal: signal },
    );
    for (const o of page.Contents ?? []) await syncObject(s3, { bucket, prefix, dir, manifest, result }, o, signal);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (result.objects === 0) throw new Error(`no objects under ${uri}`);
  await writeFile(join(dir, COMPLETE), JSON.stringify({ uri, at: new Date().toISOString(), ...result }));
  return result;
}

interface SyncRun {
  bucket: string;
  prefix: string;
  dir: string;
  manifest: Manifest;
  result: WeightsSyncResult;
}

async function syncObject(
  s3: S3Client,
  run: SyncRun,
  o: { Key?: string; ETag?: string; Size?: number },
  signal: AbortSignal,
): Promise<void> {
  const { dir, prefix, manifest, result } = run;
  if (!o.Key || o.Key.endsWith('/')) return;
  const target = resolve(dir, o.Key.slice(prefix.length));
  // A key with `..` must not write outside the model's directory.
  if (relative(dir, target).startsWith('..') || target === resolve(dir, MANIFEST)) return;
  const etag = o.ETag ?? '';
  const size = o.Size ?? 0;
  result.objects++;
  result.bytes += size;
  const known = manifest[o.Key];
  if (known && known.etag === etag && known.size === size) return;
  await fetchObject(s3, run.bucket, o.Key, target, signal);
  manifest[o.Key] = { etag, size };
  result.fetched++;
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest));
}

async function fetchObject(
  s3: S3Client,
  bucket: string,
  key: string,
  target: string,
  signal: AbortSignal,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  const partial = `${target}.partial`;
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  try {
    await pipeline(res.Body as Readable, createWriteStream(partial, { mode: 0o644 }), { signal });
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  const prefix = m[2] ?? '';
  return { bucket: m[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}
