import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ChangeQueueError, type ChangeQueuePort, type QueuedMessage } from '../runtime/change-events/ports.js';
import type { QueueProblem } from '../runtime/change-events/ports.js';
import { requestHandlerOptions, type RemoteTimeouts } from './aws/client-config.js';

/** SQS's own bounds: a long poll waits at most 20 s, and a receive or a delete batch holds at most 10 messages. */
export const SQS_WAIT_SECONDS = 20;
const SQS_BATCH = 10;

export interface SqsClientOptions {
  region: string;
  endpoint?: string;
  dummyCredentials?: boolean;
  timeouts: RemoteTimeouts;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'csgw-local', secretAccessKey: 'csgw-local' };

/** A request may stay silent for the whole long poll: its socket deadline is the wait plus the usual one. */
export function createSqsClient(opts: SqsClientOptions): SQSClient {
  const timeouts = { ...opts.timeouts, requestMs: opts.timeouts.requestMs + SQS_WAIT_SECONDS * 1000 };
  return new SQSClient({
    region: opts.region,
    maxAttempts: 2,
    ...requestHandlerOptions(timeouts),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.dummyCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
}

/**
 * The change queue over SQS. `queue` is a URL, or a name resolved with GetQueueUrl (again after the queue went
 * missing, so a queue re-created under the same name is found).
 */
export function createSqsChangeQueue(client: SQSClient, queue: string): ChangeQueuePort {
  const isUrl = /^https?:\/\//.test(queue);
  let url: string | undefined = isUrl ? queue : undefined;
  const call = async <T>(op: (queueUrl: string) => Promise<T>, signal: AbortSignal): Promise<T> => {
    try {
      url ??= (await client.send(new GetQueueUrlCommand({ QueueName: queue }), { abortSignal: signal })).QueueUrl;
      if (!url) throw new ChangeQueueError('QueueUnavailable', `GetQueueUrl of ${queue} returned no URL`);
      return await op(url);
    } catch (err) {
      const problem = classifySqsError(err as Error);
      if (problem === 'QueueMissing' && !isUrl) url = undefined;
      if (signal.aborted || err instanceof ChangeQueueError) throw err;
      throw new ChangeQueueError(problem, describe(problem, queue, err as Error));
    }
  };
  return {
    receive: (signal, long) =>
      call(async (QueueUrl): Promise<QueuedMessage[]> => {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: SQS_BATCH,
            WaitTimeSeconds: long ? SQS_WAIT_SECONDS : 0,
          }),
          { abortSignal: signal },
        );
        return (out.Messages ?? []).flatMap((m) =>
          m.ReceiptHandle ? [{ body: m.Body ?? '', receipt: m.ReceiptHandle }] : [],
        );
      }, signal),
    delete: (receipts, signal) =>
      call(async (QueueUrl) => {
        // Entries that fail come back after their visibility timeout: duplicates, which hints tolerate.
        for (let i = 0; i < receipts.length; i += SQS_BATCH) {
          const Entries = receipts
            .slice(i, i + SQS_BATCH)
            .map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle }));
          await client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries }), { abortSignal: signal });
        }
      }, signal),
  };
}

const FORBIDDEN = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'CredentialsProviderError',
  'KmsAccessDenied',
]);

export function classifySqsError(err: Error): QueueProblem {
  // The second name is the query-protocol code, which the SDK surfaces when it cannot map it to its class.
  if (err.name === 'QueueDoesNotExist' || err.name === 'AWS.SimpleQueueService.NonExistentQueue') return 'QueueMissing';
  if (FORBIDDEN.has(err.name)) return 'QueueForbidden';
  return 'QueueUnavailable';
}

function describe(problem: QueueProblem, queue: string, err: Error): string {
  const what =
    problem === 'QueueMissing' ? 'does not exist' : problem === 'QueueForbidden' ? 'is not permitted' : 'failed';
  return `change queue ${queue} ${what} (${err.name}: ${err.message})`;
}
