// SendMessage, ReceiveMessage (with long polling), DeleteMessage, DeleteMessageBatch.
import type { JsonObject } from '../types.js';
import { ACCOUNT_ID } from '../types.js';
import type { SqsContext } from './context.js';
import { invalidValue, SqsError } from './errors.js';
import { intInRange, optStringList, refuse, reqString } from './input.js';
import type { MessageQueue, StoredMessage } from './queue.js';

/** The characters SQS accepts in a message body (XML 1.0's Char production). */
const BODY_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const SYSTEM_ATTRIBUTES = [
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_BATCH = 10;

export function sendMessage(ctx: SqsContext, body: JsonObject): JsonObject {
  const queue = ctx.registry.resolve(reqString(body, 'QueueUrl'));
  const text = reqString(body, 'MessageBody');
  const limit = queue.def.attributes.MaximumMessageSize;
  if (Buffer.byteLength(text, 'utf8') > limit) {
    throw invalidValue(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
  }
  if (!BODY_CHARS.test(text)) {
    throw new SqsError('InvalidMessageContents', 'The message contains characters outside the allowed set.');
  }
  refuse(body, 'MessageAttributes', 'message attributes are not kept');
  refuse(body, 'MessageSystemAttributes', 'message system attributes are not kept');
  refuse(body, 'MessageGroupId', 'queues are standard queues');
  refuse(body, 'MessageDeduplicationId', 'queues are standard queues');
  const delay = intInRange(body, 'DelaySeconds', [0, 900], queue.def.attributes.DelaySeconds);
  const message = ctx.registry.deliver(queue, text, delay, ctx.now());
  return { MessageId: message.id, MD5OfMessageBody: message.md5 };
}

function systemAttributes(message: StoredMessage, wanted: string[]): Record<string, string> | undefined {
  const all = wanted.includes('All');
  const values: Record<string, string> = {
    SenderId: ACCOUNT_ID,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
  };
  const picked = Object.entries(values).filter(([name]) => all || wanted.includes(name));
  return picked.length > 0 ? Object.fromEntries(picked) : undefined;
}

interface ReceiveRequest {
  queue: MessageQueue;
  max: number;
  visibility: number;
  waitMs: number;
  attributes: string[];
}

function parseReceive(ctx: SqsContext, body: JsonObject): ReceiveRequest {
  const queue = ctx.registry.resolve(reqString(body, 'QueueUrl'));
  const attributes = [...optStringList(body, 'AttributeNames'), ...optStringList(body, 'MessageSystemAttributeNames')];
  const unknown = attributes.find((name) => !SYSTEM_ATTRIBUTES.includes(name));
  if (unknown !== undefined) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
  optStringList(body, 'MessageAttributeNames');
  return {
    queue,
    attributes,
    max: intInRange(body, 'MaxNumberOfMessages', [1, 10], 1),
    visibility: intInRange(body, 'VisibilityTimeout', [0, 43_200], queue.def.attributes.VisibilityTimeout),
    waitMs: intInRange(body, 'WaitTimeSeconds', [0, 20], queue.def.attributes.ReceiveMessageWaitTimeSeconds) * 1000,
  };
}

/**
 * Returns at once when messages are visible; otherwise waits up to WaitTimeSeconds for one to arrive (or to become
 * visible again), and ends early, empty, when the queue is deleted, the server closes or the client goes away.
 */
export async function receiveMessage(ctx: SqsContext, body: JsonObject): Promise<JsonObject> {
  const req = parseReceive(ctx, body);
  const deadline = ctx.now() + req.waitMs;
  for (;;) {
    const now = ctx.now();
    const taken = req.queue.receive(req.max, req.visibility, now);
    const remaining = deadline - now;
    if (taken.length > 0) {
      const messages = taken.map(({ message, handle }) => {
        const attrs = systemAttributes(message, req.attributes);
        const id = message.id;
        return {
          MessageId: id,
          ReceiptHandle: handle,
          MD5OfBody: message.md5,
          Body: message.body,
          ...(attrs ? { Attributes: attrs } : {}),
        };
      });
      return { Messages: messages };
    }
    if (remaining <= 0 || req.queue.closed || ctx.signal.aborted) return {};
    await req.queue.wait(Math.min(remaining, req.queue.nextVisibleIn(now) ?? remaining), ctx.signal);
  }
}

export function deleteMessage(ctx: SqsContext, body: JsonObject): JsonObject {
  const queue = ctx.registry.resolve(reqString(body, 'QueueUrl'));
  queue.delete(reqString(body, 'ReceiptHandle'));
  return {};
}

function batchEntries(body: JsonObject): { id: string; handle: unknown }[] {
  const raw = body['Entries'];
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) throw invalidValue('Entries must be a list.');
  const entries = (raw ?? []) as unknown[];
  if (entries.length === 0)
    throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH) {
    throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}.`);
  }
  const parsed = entries.map((entry) => {
    const id = (entry as JsonObject | null)?.['Id'];
    if (typeof id !== 'string' || !BATCH_ID.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'A batch entry id is 1-80 characters of A-Z a-z 0-9 - _.');
    }
    return { id, handle: (entry as JsonObject)['ReceiptHandle'] };
  });
  if (new Set(parsed.map((e) => e.id)).size !== parsed.length) {
    throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  }
  return parsed;
}

export function deleteMessageBatch(ctx: SqsContext, body: JsonObject): JsonObject {
  const queue = ctx.registry.resolve(reqString(body, 'QueueUrl'));
  const successful: JsonObject[] = [];
  const failed: JsonObject[] = [];
  for (const { id, handle } of batchEntries(body)) {
    try {
      if (typeof handle !== 'string' || handle === '')
        throw new SqsError('MissingParameter', 'ReceiptHandle is required.');
      queue.delete(handle);
      successful.push({ Id: id });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      failed.push({ Id: id, SenderFault: true, Code: err.code, Message: err.message });
    }
  }
  return { Successful: successful, Failed: failed };
}
