import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  SSMClient,
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { rejection, sqsClientFor, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

interface ChangeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { operation: string; name: string; type: string; description?: string };
}

let h: Harness;
let sqs: SQSClient;
const urls: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness('events');
  sqs = sqsClientFor(h.handle.url);
  const create = async (name: string, tags?: Record<string, string>): Promise<string> =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name, ...(tags ? { tags } : {}) }))).QueueUrl ?? '';
  urls['all'] = await create('all');
  urls['prefix'] = await create('prefix', { 'csgw:name-prefix': '/app/' });
  urls['wild'] = await create('wild', { 'csgw:name-wildcard': '/app/*/spec/*' });
  urls['default'] = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'csgw-changes' }))).QueueUrl ?? '';
});
afterAll(async () => {
  sqs.destroy();
  await h.stop();
});

/** Events are queued before the SSM call returns, so an immediate drain sees all of them. */
async function drain(queue: string): Promise<{ raw: string[]; events: ChangeEvent[] }> {
  const raw: string[] = [];
  for (;;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: urls[queue], MaxNumberOfMessages: 10 }));
    if (got.Messages === undefined) break;
    raw.push(...got.Messages.map((m) => m.Body ?? ''));
  }
  return { raw, events: raw.map((body) => JSON.parse(body) as ChangeEvent) };
}

async function drainAll(): Promise<void> {
  for (const queue of Object.keys(urls)) await drain(queue);
}

function ops(events: ChangeEvent[]): string[] {
  return events.map((e) => `${e.detail.operation} ${e.detail.name}`);
}

describe('Parameter Store change events', () => {
  it('have the shape of the EventBridge event and never carry the value', async () => {
    await drainAll();
    const secret = 'sup3r-s3cret-value';
    await h.client.send(
      new PutParameterCommand({ Name: '/app/gw/spec/k/n', Value: secret, Type: 'SecureString', Description: 'db' }),
    );
    const { raw, events } = await drain('all');
    expect(events).toHaveLength(1);
    expect(raw[0]).not.toContain(secret);
    const event = events[0] as ChangeEvent;
    expect(Object.keys(event).sort()).toEqual(
      ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'].sort(),
    );
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': 'Parameter Store Change',
      source: 'aws.ssm',
      account: '000000000000',
      time: expect.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/),
      region: 'us-east-1',
      resources: ['arn:aws:ssm:us-east-1:000000000000:parameter/app/gw/spec/k/n'],
      detail: { operation: 'Create', name: '/app/gw/spec/k/n', type: 'SecureString', description: 'db' },
    });
    expect(Math.abs(Date.parse(event.time) - Date.now())).toBeLessThan(10_000);
  });

  it('report every mutating operation, in order, with the caller region', async () => {
    await drainAll();
    const west = new SSMClient({
      endpoint: h.handle.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'w', secretAccessKey: 'w' },
      maxAttempts: 1,
    });
    const name = '/app/gw/spec/ops/one';
    await h.client.send(new PutParameterCommand({ Name: name, Value: 'v1', Type: 'String' }));
    await h.client.send(new PutParameterCommand({ Name: name, Value: 'v2', Overwrite: true }));
    await h.client.send(new LabelParameterVersionCommand({ Name: name, Labels: ['live'] }));
    await h.client.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: 2, Labels: ['live'] }));
    await h.client.send(
      new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    await h.client.send(
      new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: ['k'] }),
    );
    await h.client.send(new DeleteParameterCommand({ Name: name }));
    await west.send(new PutParameterCommand({ Name: '/app/x', Value: 'x', Type: 'StringList' }));
    await h.client.send(new PutParameterCommand({ Name: '/app/y', Value: 'y', Type: 'String' }));
    await h.client.send(new DeleteParametersCommand({ Names: ['/app/x', '/app/missing', '/app/y'] }));
    west.destroy();
    const { events } = await drain('all');
    expect(ops(events)).toEqual([
      `Create ${name}`,
      `Update ${name}`,
      `LabelParameterVersion ${name}`,
      `UnlabelParameterVersion ${name}`,
      `AddTagsToResource ${name}`,
      `RemoveTagsFromResource ${name}`,
      `Delete ${name}`,
      'Create /app/x',
      'Create /app/y',
      'Delete /app/x',
      'Delete /app/y',
    ]);
    expect(events.find((e) => e.detail.name === '/app/x' && e.detail.operation === 'Delete')?.detail.type).toBe(
      'StringList',
    );
    // The region is the writer's, as each Region's SSM emits its own events.
    expect(events.find((e) => e.detail.name === '/app/x')).toMatchObject({
      region: 'eu-west-1',
      resources: ['arn:aws:ssm:eu-west-1:000000000000:parameter/app/x'],
    });
  });

  it('go out in write order under concurrent writes', async () => {
    await drainAll();
    const name = '/app/gw/spec/race/r';
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.client.send(
          new PutParameterCommand({
            Name: name,
            Value: `v${i}`,
            Type: 'String',
            Overwrite: true,
            Description: `w${i}`,
          }),
        ),
      ),
    );
    const history = await h.client.send(new GetParameterHistoryCommand({ Name: name }));
    const written = (history.Parameters ?? []).map((p) => p.Description);
    const { events } = await drain('all');
    expect(events.map((e) => e.detail.description)).toEqual(written);
    expect(events.map((e) => e.detail.operation)).toEqual(['Create', ...Array<string>(19).fill('Update')]);
  });

  it('reach only the queues whose emulated rule matches', async () => {
    await drainAll();
    for (const n of ['/app/gw/spec/a/b', '/app/gw/status/i-1', '/app/gw/leases/cluster', '/other/gw/spec/a/b', 'plain'])
      await h.client.send(new PutParameterCommand({ Name: n, Value: 'v', Type: 'String' }));
    expect(ops((await drain('all')).events)).toHaveLength(5);
    expect(ops((await drain('prefix')).events)).toEqual([
      'Create /app/gw/spec/a/b',
      'Create /app/gw/status/i-1',
      'Create /app/gw/leases/cluster',
    ]);
    expect(ops((await drain('wild')).events)).toEqual(['Create /app/gw/spec/a/b']);
    // The default queue takes spec changes of any prefix, never status or leases.
    expect(ops((await drain('default')).events)).toEqual(['Create /app/gw/spec/a/b', 'Create /other/gw/spec/a/b']);
  });

  it('are not sent for failed or empty writes', async () => {
    await drainAll();
    const name = '/app/gw/spec/fail/f';
    await h.client.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' }));
    await h.client.send(new LabelParameterVersionCommand({ Name: name, Labels: ['a'] }));
    await drainAll();
    const exists = await rejection(h.client.send(new PutParameterCommand({ Name: name, Value: 'w', Type: 'String' })));
    expect(exists.name).toBe('ParameterAlreadyExists');
    await rejection(h.client.send(new DeleteParameterCommand({ Name: '/app/absent' })));
    await h.client.send(new LabelParameterVersionCommand({ Name: name, Labels: ['a'] }));
    await h.client.send(new DeleteParametersCommand({ Names: ['/app/absent'] }));
    expect((await drain('all')).events).toEqual([]);
  });
});
