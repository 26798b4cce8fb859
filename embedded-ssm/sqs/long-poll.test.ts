// Long polls at the operation level, where a poll is known to be waiting once the call returns its promise.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { tempDir } from '../testdata/harness.js';
import type { SqsContext } from './context.js';
import { receiveMessage } from './ops-messages.js';
import { QueueRegistry } from './registry.js';

let dir: string;
let registry: QueueRegistry;
let abort: AbortController;
let ctx: SqsContext;

beforeEach(async () => {
  dir = await tempDir('poll');
  registry = await QueueRegistry.open(dir, { now: Date.now });
  abort = new AbortController();
  ctx = {
    registry,
    caller: { region: 'us-east-1', userArn: 'arn:aws:iam::000000000000:root' },
    now: Date.now,
    signal: abort.signal,
  };
});
afterEach(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

async function poll(url: string): Promise<{ result: unknown; ms: number }> {
  const started = Date.now();
  const result = await receiveMessage(ctx, { QueueUrl: url, WaitTimeSeconds: 20 });
  return { result, ms: Date.now() - started };
}

describe('long poll', () => {
  it('returns when a message arrives', async () => {
    const queue = await registry.create('p', {}, {});
    const pending = poll(registry.urlOf('p'));
    registry.deliver(queue, 'hello', 0, Date.now());
    const { result, ms } = await pending;
    expect(result).toMatchObject({ Messages: [{ Body: 'hello' }] });
    expect(ms).toBeLessThan(5000);
  });

  it('ends empty when the queue is deleted', async () => {
    const queue = await registry.create('p', {}, {});
    const pending = poll(registry.urlOf('p'));
    await registry.delete(queue);
    const { result, ms } = await pending;
    expect(result).toEqual({});
    expect(ms).toBeLessThan(5000);
  });

  it('ends empty when the server closes', async () => {
    await registry.create('p', {}, {});
    const pending = poll(registry.urlOf('p'));
    await registry.close();
    expect((await pending).result).toEqual({});
  });

  it('ends empty when the client goes away', async () => {
    await registry.create('p', {}, {});
    const pending = poll(registry.urlOf('p'));
    abort.abort();
    const { result, ms } = await pending;
    expect(result).toEqual({});
    expect(ms).toBeLessThan(5000);
  });
});
