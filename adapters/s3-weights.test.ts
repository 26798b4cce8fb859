import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createS3Weights, parseS3Uri } from './s3-weights.js';

const s3 = mockClient(S3Client);
const signal = (): AbortSignal => AbortSignal.timeout(5_000);
/** The SDK's body is a Node stream on Node: the adapter pipes it, nothing more. */
const body = (text: string): never => Readable.from([Buffer.from(text)]) as never;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-weights-'));
  s3.reset();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bucket(objects: Record<string, { text: string; etag: string }>): string[] {
  const fetched: string[] = [];
  s3.on(ListObjectsV2Command).resolves({
    Contents: Object.entries(objects).map(([Key, o]) => ({ Key, ETag: o.etag, Size: o.text.length })),
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    fetched.push(input.Key);
    return { Body: body(objects[input.Key]!.text) };
  });
  return fetched;
}

describe('weights from S3', () => {
  it('fetches the prefix once, then only what changed, and never writes outside the directory', async () => {
    const weights = createS3Weights('us-east-1');
    const source = { uri: 's3://models/llama/' };
    const fetched = bucket({
      'llama/config.json': { text: '{"a":1}', etag: '"1"' },
      'llama/sub/model.safetensors': { text: 'weights', etag: '"2"' },
      'llama/../escape.txt': { text: 'no', etag: '"3"' },
    });
    expect(await weights.present(source, dir)).toBe(false);
    expect(await weights.sync(source, dir, signal())).toEqual({ objects: 2, bytes: 14, fetched: 2 });
    expect(await readFile(join(dir, 'sub/model.safetensors'), 'utf8')).toBe('weights');
    expect(fetched).toEqual(['llama/config.json', 'llama/sub/model.safetensors']);
    expect(await weights.present(source, dir)).toBe(true);
    expect(await weights.present({ uri: 's3://models/other/' }, dir)).toBe(false);

    const again = bucket({
      'llama/config.json': { text: '{"a":2}', etag: '"4"' },
      'llama/sub/model.safetensors': { text: 'weights', etag: '"2"' },
    });
    expect(await weights.sync(source, dir, signal())).toMatchObject({ objects: 2, fetched: 1 });
    expect(again).toEqual(['llama/config.json']);
    expect((await readdir(dir)).sort()).toEqual(
      ['.csgw-weights-complete.json', '.csgw-weights.json', 'config.json', 'sub'].sort(),
    );
  });

  it('refuses an empty prefix: nothing to serve', async () => {
    bucket({});
    await expect(createS3Weights(undefined).sync({ uri: 's3://models/none/' }, dir, signal())).rejects.toThrow(
      /no objects under s3:\/\/models\/none\//,
    );
  });

  it('reads a bucket and prefix from an s3:// URI', () => {
    expect(parseS3Uri('s3://b/p')).toEqual({ bucket: 'b', prefix: 'p/' });
    expect(parseS3Uri('s3://b/')).toEqual({ bucket: 'b', prefix: '' });
  });
});
