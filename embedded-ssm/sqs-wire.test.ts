import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { rejection, sqsClientFor, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;
let sqs: SQSClient;
beforeAll(async () => {
  h = await startHarness('sqs-wire');
  sqs = sqsClientFor(h.handle.url);
});
afterAll(async () => {
  sqs.destroy();
  await h.stop();
});

async function createQueue(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, ...extra }));
  if (out.QueueUrl === undefined) throw new Error('no QueueUrl');
  return out.QueueUrl;
}

async function raw(target: string, body: string): Promise<{ status: number; query: string | null; json: unknown }> {
  const res = await fetch(`${h.handle.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body,
  });
  return { status: res.status, query: res.headers.get('x-amzn-query-error'), json: await res.json() };
}

describe('queues', () => {
  it('creates idempotently, finds, lists and deletes a queue', async () => {
    const url = await createQueue('wire-a', { Attributes: { VisibilityTimeout: '5' }, tags: { team: 'x' } });
    expect(url).toBe(`${h.handle.url}/000000000000/wire-a`);
    expect(await createQueue('wire-a', { Attributes: { VisibilityTimeout: '5' } })).toBe(url);
    expect(await createQueue('wire-a')).toBe(url);
    const conflict = await rejection(createQueue('wire-a', { Attributes: { VisibilityTimeout: '6' } }));
    expect(conflict).toBeInstanceOf(QueueNameExists);
    expect(await rejection(createQueue('wire-a', { tags: { team: 'y' } }))).toBeInstanceOf(QueueNameExists);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'wire-a' }))).QueueUrl).toBe(url);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'wire-' }));
    expect(listed.QueueUrls).toEqual([url]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect(await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: 'wire-a' })))).toBeInstanceOf(
      QueueDoesNotExist,
    );
    expect(await rejection(sqs.send(new DeleteQueueCommand({ QueueUrl: url })))).toBeInstanceOf(QueueDoesNotExist);
  });

  it('pages ListQueues with MaxResults and NextToken', async () => {
    const urls = [await createQueue('page-1'), await createQueue('page-2'), await createQueue('page-3')];
    const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    expect(first.QueueUrls).toEqual(urls.slice(0, 2));
    const rest = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(rest).toMatchObject({ QueueUrls: urls.slice(2) });
    expect(rest.NextToken).toBeUndefined();
    const all = await sqs.send(new ListQueuesCommand({}));
    expect(all.QueueUrls).toEqual(expect.arrayContaining([...urls, `${h.handle.url}/000000000000/csgw-changes`]));
  });

  it('reports attributes and counts', async () => {
    const url = await createQueue('attrs', { Attributes: { DelaySeconds: '0', MessageRetentionPeriod: '600' } });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 900 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(all.Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '600',
      MaximumMessageSize: '262144',
    });
    const some = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
    );
    expect(some.Attributes).toEqual({ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs' });
    const west = sqsClientFor(h.handle.url, 'eu-west-1');
    const arn = await west.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    west.destroy();
    expect(arn.Attributes?.['QueueArn']).toBe('arn:aws:sqs:eu-west-1:000000000000:attrs');
    const bad = await rejection(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Nope' as 'All'] })),
    );
    expect(bad.name).toBe('InvalidAttributeName');
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    const purged = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(purged.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('validates names, attributes and tags', async () => {
    for (const name of ['a/b', '..', '../x', 'a b', 'x'.repeat(81), 'q.fifo', 'é']) {
      const err = await rejection(createQueue(name));
      expect(err.name).toBe('InvalidParameterValue');
    }
    expect((await rejection(createQueue('ok', { Attributes: { FifoQueue: 'true' } }))).name).toBe(
      'InvalidAttributeName',
    );
    for (const value of ['-1', '43201', '1e3', ' 5', '']) {
      const err = await rejection(createQueue('ok', { Attributes: { VisibilityTimeout: value } }));
      expect(err.name).toBe('InvalidAttributeValue');
    }
    const rules = { 'csgw:name-prefix': '/a', 'csgw:name-wildcard': '*' };
    expect((await rejection(createQueue('ok', { tags: rules }))).name).toBe('InvalidParameterValue');
    expect((await rejection(createQueue('ok', { tags: { ['k'.repeat(129)]: 'v' } }))).name).toBe(
      'InvalidParameterValue',
    );
    expect((await rejection(sqs.send(new CreateQueueCommand({ QueueName: '' })))).name).toBe('MissingParameter');
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'ok' }))).QueueUrls ?? []).toEqual([]);
  });

  it('refuses queue URLs that do not name a queue of this endpoint', async () => {
    const cases: [string, string][] = [
      ['not a url', 'InvalidAddress'],
      [`${h.handle.url}/000000000000/a/b`, 'InvalidAddress'],
      [`${h.handle.url}/000000000000/a%2Fb`, 'InvalidAddress'],
      [`${h.handle.url}/000000000000/../csgw-changes`, 'InvalidAddress'],
      [`${h.handle.url}/123456789012/csgw-changes`, 'QueueDoesNotExist'],
      [`${h.handle.url}/000000000000/missing`, 'QueueDoesNotExist'],
    ];
    for (const [QueueUrl, code] of cases) {
      expect((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).name).toBe(code);
    }
    // Only the path matters: a client may reach the port through another address.
    const elsewhere = 'http://gateway.invalid:1/000000000000/csgw-changes';
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: elsewhere, AttributeNames: ['QueueArn'] }));
    expect(attrs.Attributes?.['QueueArn']).toContain(':csgw-changes');
  });
});

describe('wire errors', () => {
  it('carries __type and x-amzn-query-error as SQS does', async () => {
    const missing = await raw('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: 'absent' }));
    expect(missing).toMatchObject({
      status: 400,
      query: 'AWS.SimpleQueueService.NonExistentQueue;Sender',
      json: { __type: 'com.amazonaws.sqs#QueueDoesNotExist' },
    });
    const unknown = await raw('AmazonSQS.SendMessageBatch', '{}');
    expect(unknown).toMatchObject({ status: 400, query: 'AWS.SimpleQueueService.UnsupportedOperation;Sender' });
    expect(await raw('AmazonSQS.constructor', '{}')).toMatchObject({ status: 400 });
    expect(await raw('AmazonSQS.ListQueues', '{not json')).toMatchObject({
      status: 400,
      query: 'SerializationException;Sender',
    });
    expect(await raw('AmazonSQS.GetQueueUrl', '{"QueueName": 5}')).toMatchObject({
      query: 'InvalidParameterValue;Sender',
    });
    expect(await raw('AmazonSQS.GetQueueUrl', '{}')).toMatchObject({ query: 'MissingParameter;Sender' });
    const huge = JSON.stringify({ QueueUrl: 'x', MessageBody: 'x'.repeat(600 * 1024) });
    expect(await raw('AmazonSQS.SendMessage', huge)).toMatchObject({ status: 413 });
  });
});
