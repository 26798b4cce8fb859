// CreateQueue, GetQueueUrl, DeleteQueue, ListQueues, GetQueueAttributes, PurgeQueue.
import { paginate } from '../pagination.js';
import type { JsonObject } from '../types.js';
import { ACCOUNT_ID } from '../types.js';
import type { SqsContext } from './context.js';
import { parseAttributes, renderSettable, validateQueueName, validateTags } from './definition.js';
import { invalidValue, queueDoesNotExist, SqsError } from './errors.js';
import { intInRange, optString, optStringList, optStringMap, reqString } from './input.js';
import type { MessageQueue } from './queue.js';

/** Valid SQS attribute names this endpoint has no value for; asked for, they are left out. */
const NOT_KEPT = [
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
];
/** Not an SQS attribute: messages this endpoint dropped because the queue was full. */
const DROPPED = 'csgw:DroppedMessages';

export async function createQueue(ctx: SqsContext, body: JsonObject): Promise<JsonObject> {
  const name = reqString(body, 'QueueName');
  validateQueueName(name);
  const attrs = parseAttributes(optStringMap(body, 'Attributes'));
  const tags = optStringMap(body, 'tags');
  validateTags(tags);
  const queue = await ctx.registry.create(name, attrs, tags);
  return { QueueUrl: ctx.registry.urlOf(queue.def.name) };
}

export function getQueueUrl(ctx: SqsContext, body: JsonObject): JsonObject {
  const name = reqString(body, 'QueueName');
  validateQueueName(name);
  const owner = optString(body, 'QueueOwnerAWSAccountId');
  const queue = owner === undefined || owner === ACCOUNT_ID ? ctx.registry.find(name) : undefined;
  if (queue === undefined) throw queueDoesNotExist();
  return { QueueUrl: ctx.registry.urlOf(name) };
}

export async function deleteQueue(ctx: SqsContext, body: JsonObject): Promise<JsonObject> {
  await ctx.registry.delete(ctx.registry.resolve(reqString(body, 'QueueUrl')));
  return {};
}

export function listQueues(ctx: SqsContext, body: JsonObject): JsonObject {
  const prefix = optString(body, 'QueueNamePrefix') ?? '';
  if (prefix.length > 80) throw invalidValue('QueueNamePrefix is at most 80 characters long.');
  const paged = body['MaxResults'] !== undefined && body['MaxResults'] !== null;
  const max = intInRange(body, 'MaxResults', [1, 1000], 1000);
  const token = optString(body, 'NextToken');
  if (token !== undefined && !paged) throw invalidValue('NextToken requires MaxResults.');
  let page;
  try {
    page = paginate(ctx.registry.names(prefix), (name) => name, token, max);
  } catch {
    throw invalidValue('Invalid NextToken.');
  }
  return {
    QueueUrls: page.items.map((name) => ctx.registry.urlOf(name)),
    ...(paged && page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
}

function attributeValues(ctx: SqsContext, queue: MessageQueue): Record<string, string> {
  const counts = queue.counts(ctx.now());
  const seconds = (ms: number): string => String(Math.floor(ms / 1000));
  return {
    QueueArn: `arn:aws:sqs:${ctx.caller.region}:${ACCOUNT_ID}:${queue.def.name}`,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: seconds(queue.def.createdAt),
    LastModifiedTimestamp: seconds(queue.def.createdAt),
    ...renderSettable(queue.def.attributes),
    [DROPPED]: String(queue.dropped),
  };
}

export function getQueueAttributes(ctx: SqsContext, body: JsonObject): JsonObject {
  const queue = ctx.registry.resolve(reqString(body, 'QueueUrl'));
  const requested = optStringList(body, 'AttributeNames');
  const values = attributeValues(ctx, queue);
  const wanted = requested.includes('All') ? Object.keys(values) : requested;
  const out: Record<string, string> = {};
  for (const name of wanted) {
    if (Object.hasOwn(values, name)) out[name] = values[name] as string;
    else if (!NOT_KEPT.includes(name)) {
      throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return Object.keys(out).length > 0 ? { Attributes: out } : {};
}

export function purgeQueue(ctx: SqsContext, body: JsonObject): JsonObject {
  ctx.registry.resolve(reqString(body, 'QueueUrl')).purge();
  return {};
}
