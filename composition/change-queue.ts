import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsChangeQueue, createSqsClient, SQS_WAIT_SECONDS } from '../adapters/sqs-change-queue.js';
import type { RemoteTimeouts } from '../adapters/aws/client-config.js';
import type { ChangeQueuePort } from '../runtime/change-events/ports.js';
import type { WatcherTiming } from '../runtime/change-events/watcher.js';
import { isLoopback, type SsmTarget } from '../runtime/config.js';
import { instanceQueueName } from '../runtime/change-events/queue-name.js';

/** The embedded endpoint's default queue: it receives every change under a spec root (docs/embedded-ssm.md). */
export const EMBEDDED_CHANGES_QUEUE = 'csgw-changes';

export interface ChangeQueueConnection {
  queue: ChangeQueuePort;
  /** The name or URL in use, for the logs. */
  name: string;
  close(): void;
}

/**
 * The queue to long-poll: `flag` (--changes-queue) when given. Else the embedded endpoint's default queue when the
 * endpoint is this host's (embedded mode, or a loopback --endpoint-url: one operator per host); else, against AWS or
 * an endpoint others share (a cluster on one `csgw ssm serve`), one queue per instance: SQS hands each message to
 * one reader, and every instance must see every event.
 */
export function changeQueueName(flag: string | undefined, target: SsmTarget, instanceId: string): string | undefined {
  if (flag === 'none') return undefined;
  if (flag) return flag;
  const local = target.mode === 'embedded' || (target.endpoint !== undefined && isLoopback(target.endpoint));
  return local ? EMBEDDED_CHANGES_QUEUE : instanceQueueName(instanceId);
}

/**
 * The SQS client speaks to the SSM endpoint in use when it is not AWS's own: the embedded one serves both. An
 * endpoint that speaks SSM alone (an SSM VPC endpoint given as --endpoint-url or AWS_ENDPOINT_URL_SSM) therefore
 * leaves push unavailable (polling, reported): name the queue by URL (--changes-queue https://...) there.
 */
export function openChangeQueue(
  name: string,
  target: SsmTarget,
  ssmEndpoint: string | undefined,
  timeouts: RemoteTimeouts,
): ChangeQueueConnection {
  const client: SQSClient = createSqsClient({
    region: target.region,
    timeouts,
    ...(ssmEndpoint ? { endpoint: ssmEndpoint } : {}),
    dummyCredentials: target.mode === 'embedded' || (target.mode === 'aws' && target.dummyCredentials),
  });
  return { queue: createSqsChangeQueue(client, name), name, close: () => client.destroy() };
}

/** One receive may last the long poll: its deadline is a little over it. Failures back off up to 30 s. */
export const WATCHER_TIMING: WatcherTiming = {
  receiveDeadlineMs: SQS_WAIT_SECONDS * 1000 + 5_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
  toleratedFailures: 3,
};
