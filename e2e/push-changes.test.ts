import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteQueueCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ChangesStatus, InstanceStatus } from '../runtime/status-types.js';
import { createTopology, ensureImages, Operator, operatorCommand, waitFor, type Topology } from './harness/index.js';

/**
 * The push path on the embedded endpoint: the operator long-polls its default queue (csgw-changes), which receives
 * an SSM change event for every spec write. The full list runs every 60 s while push is healthy, every 3 s without
 * it, so a change that lands within a second or two came by push. Controllers re-observe every 60 s only, so every
 * reconcile pass during a test comes from a snapshot.
 */
const KIND = 'PortForward';
const SPEC_NAME = '/cloudspectra/e2e/spec/portforwards/web';

let t: Topology;
let op: Operator;
let sqs: SQSClient;

function forward(listenPort: number): { kind: string; name: string; spec: Record<string, unknown> } {
  const rule = { listenPort, protocol: 'tcp', destinationIp: t.clientIp, destinationPort: 9000 };
  return { kind: KIND, name: 'web', spec: { rules: [rule] } };
}

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${op.adminUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as T;
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${op.adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const changes = async (): Promise<ChangesStatus | undefined> => (await admin<InstanceStatus>('/status')).changes;

/** Polls the gateway's DNAT table until it forwards `port`; returns how long that took. */
async function kernelForwards(port: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(
    async () => (await t.exec('gateway', ['nft', 'list', 'table', 'inet', 'csgw_dnat'])).stdout.includes(String(port)),
    { timeoutMs, intervalMs: 50, what: `port ${port} in the kernel` },
  );
  return Date.now() - started;
}

function changeEvent(operation: string): string {
  return JSON.stringify({
    version: '0',
    'detail-type': 'Parameter Store Change',
    source: 'aws.ssm',
    time: new Date(0).toISOString(),
    detail: { operation, name: SPEC_NAME, type: 'String' },
  });
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('push-changes', {
    gatewayCommand: operatorCommand([
      '--poll-interval',
      '3',
      '--push-resync-interval',
      '60',
      '--resync-interval',
      '60',
    ]),
  });
  op = await Operator.connect(t);
  sqs = new SQSClient({
    endpoint: op.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
  });
}, 20 * 60_000);

afterAll(async () => {
  sqs?.destroy();
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('change events from the embedded endpoint', () => {
  it('push is in force: status and /readyz say so', async () => {
    await waitFor(async () => (await changes())?.mechanism === 'push', { timeoutMs: 10_000, what: 'push' });
    const ready = await admin<{ details?: { changes?: { mechanism: string } } }>('/readyz');
    expect(ready.details?.changes?.mechanism).toBe('push');
    expect(await metric('csgw_change_mechanism', 'mechanism="push"')).toBe(1);
  }, 30_000);

  it('a PutParameter reaches the kernel within about 2 s, by a re-read of its kind, not a poll', async () => {
    await op.put(forward(8443));
    await kernelForwards(8443, 10_000);
    await op.waitForReady(KIND, 1);
    const rereads = await metric('csgw_change_rereads_total', 'scope="kind",result="ok"');
    await op.put(forward(8444));
    const took = await kernelForwards(8444, 10_000);
    expect(took).toBeLessThan(2_500);
    expect(await metric('csgw_change_rereads_total', 'scope="kind",result="ok"')).toBeGreaterThan(rereads);
    await op.waitForReady(KIND, 2);
  }, 60_000);

  it('duplicated and reordered events apply nothing', async () => {
    // Applied passes only: a converged pass (the resync, a verification of the table) may fall in the window.
    const passes = async (): Promise<number> => metric('csgw_reconcile_total', `controller="${KIND}",result="applied"`);
    const before = await passes();
    const hints = await metric('csgw_change_events_total', 'result="hint"');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'csgw-changes' }));
    // A copy of the last Update, and the first write's Create arriving late, three times over.
    for (let i = 0; i < 3; i++)
      for (const operation of ['Update', 'Create'])
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: changeEvent(operation) }));
    await waitFor(async () => (await metric('csgw_change_events_total', 'result="hint"')) >= hints + 6, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'the copies read',
    });
    // Hints settle within milliseconds; a second is ample for any pass they would cause.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await passes()).toBe(before);
    expect((await op.controller(KIND))?.observedGeneration).toBe(2);
  }, 30_000);

  it('with the queue deleted, polling takes over, status and /readyz say why, and changes still converge', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'csgw-changes' }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await waitFor(async () => (await changes())?.reason === 'QueueMissing', { timeoutMs: 10_000, what: 'fallback' });
    expect(await changes()).toEqual({ mechanism: 'polling', reason: 'QueueMissing' });
    const ready = await admin<{ ready: boolean; details?: { changes?: { reason: string; message: string } } }>(
      '/readyz',
    );
    expect(ready.details?.changes).toMatchObject({
      reason: 'QueueMissing',
      message: expect.stringMatching(/csgw-changes/),
    });
    await op.put(forward(8445));
    // By the 3 s poll now in force.
    await kernelForwards(8445, 10_000);
    await op.waitForReady(KIND, 3);
  }, 60_000);
});
