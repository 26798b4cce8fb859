// Parameter tags: PutParameter's Tags on create, AddTagsToResource, RemoveTagsFromResource, ListTagsForResource.
// Constraints as the SSM API Reference gives them for Tag: Key 1-128, Value 0-256, letters, digits, spaces and
// _ . : / = + - @; at most 50 tags per resource (TooManyTagsError).
import type { OpContext } from './context.js';
import { SsmError, validation } from './errors.js';
import { isObject, optArray, reqString, reqStringList } from './input.js';
import { validateName } from './names.js';
import type { JsonObject, ParameterRecord } from './types.js';

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;

/** Tags of a request (PutParameter, AddTagsToResource); undefined when there are none. */
export function parseTags(body: JsonObject): Record<string, string> | undefined {
  const list = optArray(body, 'Tags');
  if (list === undefined || list.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const item of list) {
    if (!isObject(item)) throw new SsmError('SerializationException', 'Tags members must be objects.');
    const key = reqString(item, 'Key');
    const value = reqString(item, 'Value');
    if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key) || value.length > 256 || !TAG_CHARS.test(value))
      throw validation(`Invalid tag: key 1-128 and value 0-256 characters of letters, digits, spaces and _.:/=+-@.`);
    tags[key] = value;
  }
  return withinLimit(tags);
}

function withinLimit(tags: Record<string, string>): Record<string, string> {
  if (Object.keys(tags).length > MAX_TAGS)
    throw new SsmError('TooManyTagsError', `A resource can have at most ${MAX_TAGS} tags.`);
  return tags;
}

/** The parameter a tag request names: ResourceType must be Parameter and ResourceId an existing name. */
function taggedParameter(ctx: OpContext, body: JsonObject): ParameterRecord {
  const type = reqString(body, 'ResourceType');
  if (type !== 'Parameter')
    throw new SsmError('InvalidResourceType', `This endpoint tags only parameters, not ${type}.`);
  const id = reqString(body, 'ResourceId');
  validateName(id);
  const record = ctx.store.get(id);
  if (!record)
    throw new SsmError('InvalidResourceId', `The resource ID "${id}" is not valid. Verify the ID and try again.`);
  return record;
}

export async function addTagsToResource(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const tags = parseTags(body);
  if (!tags)
    throw validation(
      "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null.",
    );
  return ctx.store.exclusive(async () => {
    const record = taggedParameter(ctx, body);
    await ctx.store.save(
      { ...record, tags: withinLimit({ ...record.tags, ...tags }) },
      { operation: 'AddTagsToResource', region: ctx.caller.region },
    );
    return {};
  });
}

export async function removeTagsFromResource(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const keys = new Set(reqStringList(body, 'TagKeys', MAX_TAGS));
  return ctx.store.exclusive(async () => {
    const record = taggedParameter(ctx, body);
    const tags = Object.fromEntries(Object.entries(record.tags ?? {}).filter(([k]) => !keys.has(k)));
    const { tags: _old, ...rest } = record;
    await ctx.store.save(Object.keys(tags).length > 0 ? { ...rest, tags } : rest, {
      operation: 'RemoveTagsFromResource',
      region: ctx.caller.region,
    });
    return {};
  });
}

export function listTagsForResource(ctx: OpContext, body: JsonObject): JsonObject {
  const record = taggedParameter(ctx, body);
  return { TagList: Object.entries(record.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
}
