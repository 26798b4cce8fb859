/** Against AWS every instance long-polls a queue of its own: SQS hands each message to one reader only. */
export const INSTANCE_QUEUE_PREFIX = 'csgw-changes-';

/** `csgw-changes-<instance-id>`: queue names allow letters, digits, - and _ (80 at most), so dots become dashes. */
export function instanceQueueName(instanceId: string): string {
  return `${INSTANCE_QUEUE_PREFIX}${instanceId.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}
