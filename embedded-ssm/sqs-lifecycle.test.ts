import { request } from 'node:http';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { startEmbeddedSsm } from './index.js';
import type { EmbeddedSsmHandle } from './index.js';
import { clientFor, sqsClientFor, tempDir } from './testdata/harness.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await tempDir('sqs-life');
  dirs.push(dir);
  return dir;
}

async function withEndpoint<T>(dir: string, use: (handle: EmbeddedSsmHandle) => Promise<T>): Promise<T> {
  const handle = await startEmbeddedSsm({ dataDir: dir });
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

async function queueUrl(url: string, name: string): Promise<string | undefined> {
  const sqs = sqsClientFor(url);
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (err) {
    if (err instanceof QueueDoesNotExist) return undefined;
    throw err;
  } finally {
    sqs.destroy();
  }
}

describe('queue definitions', () => {
  it('creates csgw-changes on first start, with the spec-only rule', async () => {
    const dir = await freshDir();
    await withEndpoint(dir, async (handle) => {
      expect(await queueUrl(handle.url, 'csgw-changes')).toBe(`${handle.url}/000000000000/csgw-changes`);
      const saved = JSON.parse(await readFile(join(dir, 'queues.json'), 'utf8')) as { queues: { tags: unknown }[] };
      expect(saved.queues).toEqual([expect.objectContaining({ tags: { 'csgw:name-wildcard': '*/spec/*' } })]);
    });
  });

  it('keep across restarts; messages do not; a deleted default queue stays deleted', async () => {
    const dir = await freshDir();
    await withEndpoint(dir, async (handle) => {
      const sqs = sqsClientFor(handle.url);
      const created = await sqs.send(
        new CreateQueueCommand({
          QueueName: 'keep',
          Attributes: { VisibilityTimeout: '7' },
          tags: { 'csgw:name-prefix': '/only/' },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'lost on restart' }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: await queueUrl(handle.url, 'csgw-changes') }));
      sqs.destroy();
    });
    await withEndpoint(dir, async (handle) => {
      expect(await queueUrl(handle.url, 'csgw-changes')).toBeUndefined();
      const url = await queueUrl(handle.url, 'keep');
      const sqs = sqsClientFor(handle.url);
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      expect(attrs.Attributes).toMatchObject({ VisibilityTimeout: '7', ApproximateNumberOfMessages: '0' });
      // The rule came back with the definition.
      const ssm = clientFor(handle.url);
      await ssm.send(new PutParameterCommand({ Name: '/elsewhere', Value: 'v', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/only/this', Value: 'v', Type: 'String' }));
      ssm.destroy();
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      expect(got.Messages?.map((m) => (JSON.parse(m.Body ?? '') as { detail: { name: string } }).detail.name)).toEqual([
        '/only/this',
      ]);
      // Created again on purpose, it is an ordinary queue.
      await sqs.send(new CreateQueueCommand({ QueueName: 'csgw-changes' }));
      sqs.destroy();
    });
    await withEndpoint(dir, async (handle) => {
      expect(await queueUrl(handle.url, 'csgw-changes')).toBeDefined();
    });
  });

  it('refuses to start on a corrupt queues.json', async () => {
    const dir = await freshDir();
    await writeFile(
      join(dir, 'queues.json'),
      JSON.stringify({ format: 1, defaultQueueHandled: true, queues: [{ name: '../x' }] }),
    );
    await expect(startEmbeddedSsm({ dataDir: dir })).rejects.toThrow(/queues.json is corrupt/);
    await writeFile(join(dir, 'queues.json'), '{"format": 2}');
    await expect(startEmbeddedSsm({ dataDir: dir })).rejects.toThrow(/queues.json is corrupt/);
  });
});

/** Starts a raw long poll and resolves once its request bytes are written. */
function rawLongPoll(url: string, queue: string): { written: Promise<void>; response: Promise<string> } {
  let written!: () => void;
  const writtenP = new Promise<void>((resolve) => (written = resolve));
  const response = new Promise<string>((resolve, reject) => {
    const req = request(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => {
        resolve(text);
      });
    });
    req.on('error', reject);
    req.on('finish', written);
    req.end(JSON.stringify({ QueueUrl: queue, WaitTimeSeconds: 20 }));
  });
  return { written: writtenP, response };
}

describe('shutdown', () => {
  it('ends pending long polls, empty, instead of waiting them out', async () => {
    const dir = await freshDir();
    const handle = await startEmbeddedSsm({ dataDir: dir });
    const queue = (await queueUrl(handle.url, 'csgw-changes')) ?? '';
    const poll = rawLongPoll(handle.url, queue);
    await poll.written;
    // One more round trip: the server has taken the poll in by the time it answers this.
    expect(await queueUrl(handle.url, 'csgw-changes')).toBe(queue);
    const started = Date.now();
    await handle.close();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(JSON.parse(await poll.response)).toEqual({});
  });
});
