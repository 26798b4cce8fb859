// The SSM operations this endpoint serves, keyed by the X-Amz-Target operation name.
import type { OpContext } from './context.js';
import { deleteParameter, deleteParameters } from './ops-delete.js';
import { describeParameters } from './ops-describe.js';
import { getParameter, getParameters, getParametersByPath } from './ops-get.js';
import { getParameterHistory, labelParameterVersion, unlabelParameterVersion } from './ops-history.js';
import { putParameter } from './ops-put.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags.js';
import type { JsonObject } from './types.js';

// Reads answer from memory synchronously; mutations wait for their durable write.
export type Operation = (ctx: OpContext, body: JsonObject) => JsonObject | Promise<JsonObject>;

const OPERATIONS: Readonly<Record<string, Operation>> = Object.freeze({
  PutParameter: putParameter,
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  DeleteParameter: deleteParameter,
  DeleteParameters: deleteParameters,
  GetParameterHistory: getParameterHistory,
  LabelParameterVersion: labelParameterVersion,
  UnlabelParameterVersion: unlabelParameterVersion,
  DescribeParameters: describeParameters,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
  ListTagsForResource: listTagsForResource,
});

export function findOperation(name: string): Operation | undefined {
  return Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
}
