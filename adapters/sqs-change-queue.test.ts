import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { decodeParameterChange } from '../runtime/change-events/decode.js';
import { ChangeQueueError } from '../runtime/change-events/ports.js';
import { DEFAULT_REMOTE_TIMEOUTS } from './aws/client-config.js';
import { classifySqsError, createSqsChangeQueue, createSqsClient } from './sqs-change-queue.js';
import { createSsmClient } from './ssm-client.js';

let dir: string;
let endpoint: EmbeddedSsmHandle;
let sqs: SQSClient;
let ssm: SSMClient;
const never = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-sqs-queue-'));
  endpoint = await startEmbeddedSsm({ dataDir: dir });
  const local = { region: 'us-east-1', endpoint: endpoint.url, dummyCredentials: true };
  sqs = createSqsClient({ ...local, timeouts: DEFAULT_REMOTE_TIMEOUTS });
  ssm = createSsmClient(local);
});

afterAll(async () => {
  sqs.destroy();
  ssm.destroy();
  await endpoint.close();
  await rm(dir, { recursive: true, force: true });
});

const put = (name: string): Promise<unknown> =>
  ssm.send(new PutParameterCommand({ Name: name, Value: '{}', Type: 'String', Overwrite: true }));

async function problemOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof ChangeQueueError ? err.problem : String(err);
}

describe('the SQS change queue against the embedded endpoint', () => {
  it('receives a change event of the default queue by name, and deletes it', async () => {
    const queue = createSqsChangeQueue(sqs, 'csgw-changes');
    expect(await queue.receive(never, false)).toEqual([]);
    await put('/cloudspectra/gw/spec/fakes/a');
    const [message] = await queue.receive(never, true);
    expect(decodeParameterChange(message?.body ?? '')).toEqual({
      name: '/cloudspectra/gw/spec/fakes/a',
      operation: 'Create',
    });
    await queue.delete([message!.receipt], never);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'csgw-changes' }));
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('a deleted queue is QueueMissing; re-created under its name it is found again', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'csgw-changes-gw-2' }));
    const byName = createSqsChangeQueue(sqs, 'csgw-changes-gw-2');
    const byUrl = createSqsChangeQueue(sqs, QueueUrl!);
    expect(await byName.receive(never, false)).toEqual([]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    expect(await problemOf(byName.receive(never, false))).toBe('QueueMissing');
    expect(await problemOf(byUrl.receive(never, false))).toBe('QueueMissing');
    expect(await problemOf(byName.delete(['x'], never))).toBe('QueueMissing');
    await sqs.send(new CreateQueueCommand({ QueueName: 'csgw-changes-gw-2' }));
    await put('/cloudspectra/gw/spec/fakes/b');
    expect(await byName.receive(never, true)).toHaveLength(1);
  });

  it('classifies errors by name: missing, forbidden, anything else unavailable', () => {
    const named = (name: string): Error => Object.assign(new Error('x'), { name });
    expect(classifySqsError(named('QueueDoesNotExist'))).toBe('QueueMissing');
    expect(classifySqsError(named('AWS.SimpleQueueService.NonExistentQueue'))).toBe('QueueMissing');
    expect(classifySqsError(named('AccessDenied'))).toBe('QueueForbidden');
    expect(classifySqsError(named('CredentialsProviderError'))).toBe('QueueForbidden');
    expect(classifySqsError(named('RequestThrottled'))).toBe('QueueUnavailable');
  });
});
