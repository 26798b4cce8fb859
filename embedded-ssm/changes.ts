// Parameter Store change notices and the EventBridge "Parameter Store Change" event built from them. The event
// carries the name, type and description, never the value, as AWS's own event does.
import { randomUUID } from 'node:crypto';
import { parameterArn } from './render.js';
import type { ParameterType } from './types.js';
import { ACCOUNT_ID } from './types.js';

/**
 * AWS documents Create, Update, Delete and LabelParameterVersion. The embedded endpoint also reports its other
 * mutations (unlabel, tags) so that every write wakes a listener; consumers treat events as hints either way.
 */
export type ChangeOperation =
  | 'Create'
  | 'Update'
  | 'Delete'
  | 'LabelParameterVersion'
  | 'UnlabelParameterVersion'
  | 'AddTagsToResource'
  | 'RemoveTagsFromResource';

/** What a durable mutation reports: the operation and the region of the request that made it. */
export interface ChangeNotice {
  operation: ChangeOperation;
  region: string;
}

export interface ParameterChange extends ChangeNotice {
  name: string;
  type: ParameterType;
  description?: string;
}

/** Receives every change after it is durable, in write order. */
export type ChangeSink = (change: ParameterChange) => void;

/** EventBridge timestamps have second resolution: 2017-05-22T16:43:48Z. */
function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.[0-9]{3}Z$/, 'Z');
}

export function changeEvent(change: ParameterChange, now: number): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Parameter Store Change',
    source: 'aws.ssm',
    account: ACCOUNT_ID,
    time: eventTime(now),
    region: change.region,
    resources: [parameterArn(change.region, change.name)],
    detail: {
      operation: change.operation,
      name: change.name,
      type: change.type,
      ...(change.description !== undefined ? { description: change.description } : {}),
    },
  };
}
