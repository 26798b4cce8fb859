import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { rejection, sqsClientFor, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;
let sqs: SQSClient;
beforeAll(async () => {
  h = await startHarness('sqs-msg');
  sqs = sqsClientFor(h.handle.url);
});
afterAll(async () => {
  sqs.destroy();
  await h.stop();
});

let seq = 0;
async function freshQueue(attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: `m${++seq}`, Attributes: attributes }));
  if (out.QueueUrl === undefined) throw new Error('no QueueUrl');
  return out.QueueUrl;
}

async function receive(QueueUrl: string, extra: Record<string, unknown> = {}): Promise<Message[]> {
  return (await sqs.send(new ReceiveMessageCommand({ QueueUrl, ...extra }))).Messages ?? [];
}

async function send(QueueUrl: string, MessageBody: string): Promise<string> {
  return (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }))).MessageId ?? '';
}

describe('send and receive', () => {
  it('round-trips bodies with the MD5 the SDK verifies, oldest first', async () => {
    const url = await freshQueue();
    const bodies = ['plain', 'héllo wörld ✓', '{"json": [1, 2]}', '\t\n\r', '😀'.repeat(100)];
    const ids = [];
    for (const body of bodies) ids.push(await send(url, body));
    // The SDK itself fails the call if an MD5OfBody/MD5OfMessageBody does not match.
    const got = await receive(url, { MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] });
    expect(got.map((m) => m.Body)).toEqual(bodies);
    expect(got.map((m) => m.MessageId)).toEqual(ids);
    expect(got[0]?.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
  });

  it('preserves send order across many messages and batches of ten', async () => {
    const url = await freshQueue();
    const sent = Array.from({ length: 35 }, (_, i) => `n${i}`);
    for (const body of sent) await send(url, body);
    const got: string[] = [];
    for (let batch = await receive(url, { MaxNumberOfMessages: 10 }); batch.length > 0;) {
      got.push(...batch.map((m) => m.Body ?? ''));
      batch = await receive(url, { MaxNumberOfMessages: 10 });
    }
    expect(got).toEqual(sent);
  });

  it('returns a long poll as soon as a message arrives', async () => {
    const url = await freshQueue();
    const started = Date.now();
    const polling = receive(url, { WaitTimeSeconds: 20 });
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    await send(url, 'wake');
    expect((await polling).map((m) => m.Body)).toEqual(['wake']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('returns an empty long poll after WaitTimeSeconds', async () => {
    const url = await freshQueue();
    const started = Date.now();
    expect(await receive(url, { WaitTimeSeconds: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('redelivers a message whose visibility timeout ran out, to a waiting long poll', async () => {
    const url = await freshQueue();
    await send(url, 'again');
    const [first] = await receive(url, { VisibilityTimeout: 1 });
    expect(await receive(url)).toEqual([]);
    const started = Date.now();
    const [second] = await receive(url, {
      WaitTimeSeconds: 5,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(second).toMatchObject({ MessageId: first?.MessageId, Attributes: { ApproximateReceiveCount: '2' } });
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // The superseded handle no longer deletes; the latest does.
    const counts = async (): Promise<Record<string, string> | undefined> =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    expect(await counts()).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle }));
    expect(await counts()).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('uses the queue default visibility timeout', async () => {
    const url = await freshQueue({ VisibilityTimeout: '0' });
    await send(url, 'x');
    expect(await receive(url)).toHaveLength(1);
    expect(await receive(url)).toHaveLength(1);
  });
});

describe('deletes', () => {
  it('deletes in batches, reporting failed entries', async () => {
    const url = await freshQueue();
    for (const body of ['a', 'b', 'c']) await send(url, body);
    const got = await receive(url, { MaxNumberOfMessages: 3 });
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...got.map((m, i) => ({ Id: `e${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(['e0', 'e1', 'e2']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(await receive(url, { VisibilityTimeout: 0, MaxNumberOfMessages: 10 })).toEqual([]);
  });

  it('refuses malformed batches and receipt handles', async () => {
    const url = await freshQueue();
    const batch = (Entries: { Id: string; ReceiptHandle: string }[]): Promise<Error> =>
      rejection(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries })));
    expect((await batch([])).name).toBe('EmptyBatchRequest');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `i${i}`, ReceiptHandle: 'h' }));
    expect((await batch(eleven)).name).toBe('TooManyEntriesInBatchRequest');
    expect(
      (
        await batch([
          { Id: 'x', ReceiptHandle: 'h' },
          { Id: 'x', ReceiptHandle: 'h' },
        ])
      ).name,
    ).toBe('BatchEntryIdsNotDistinct');
    expect((await batch([{ Id: 'a/b', ReceiptHandle: 'h' }])).name).toBe('InvalidBatchEntryId');
    const bad = await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: '../../etc' })));
    expect(bad.name).toBe('ReceiptHandleIsInvalid');
  });
});

describe('validation', () => {
  it('bounds MaxNumberOfMessages, WaitTimeSeconds and VisibilityTimeout', async () => {
    const url = await freshQueue();
    const cases = [
      { MaxNumberOfMessages: 0 },
      { MaxNumberOfMessages: 11 },
      { WaitTimeSeconds: 21 },
      { VisibilityTimeout: -1 },
    ];
    for (const extra of cases) expect((await rejection(receive(url, extra))).name).toBe('InvalidParameterValue');
    const attr = await rejection(receive(url, { MessageSystemAttributeNames: ['Bogus'] }));
    expect(attr.name).toBe('InvalidAttributeName');
  });

  it('refuses oversized, empty and unsupported message contents', async () => {
    const url = await freshQueue({ MaximumMessageSize: '1024' });
    const tooBig = await rejection(send(url, 'é'.repeat(513)));
    expect(tooBig.name).toBe('InvalidParameterValue');
    await send(url, 'x'.repeat(1024));
    const big = await freshQueue();
    expect((await rejection(send(big, 'x'.repeat(262_145)))).name).toBe('InvalidParameterValue');
    expect((await rejection(send(url, ''))).name).toBe('MissingParameter');
    expect((await rejection(send(url, 'nul\u0000'))).name).toBe('InvalidMessageContents');
    const withAttrs = sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      }),
    );
    expect((await rejection(withAttrs)).name).toBe('InvalidParameterValue');
    const fifo = sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' }));
    expect((await rejection(fifo)).name).toBe('InvalidParameterValue');
  });
});
