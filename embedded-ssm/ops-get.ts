// GetParameter, GetParameters, GetParametersByPath.
import type { OpContext } from './context.js';
import { parameterNotFound, SsmError } from './errors.js';
import { parseFilters, versionForListing } from './filters.js';
import { maxResults, optBool, optString, reqString, reqStringList } from './input.js';
import { isUnderPath, normalizePath, parseSelector, validateName } from './names.js';
import { paginate } from './pagination.js';
import { renderParameter, selectVersion } from './render.js';
import type { JsonObject, VersionRecord } from './types.js';

interface Resolved {
  name: string;
  version: VersionRecord;
  selector?: string;
}

/** Resolves "name", "name:version" or "name:label" to one stored version. */
function resolve(ctx: OpContext, raw: string): Resolved {
  const { name, selector } = parseSelector(raw);
  validateName(name);
  const record = ctx.store.get(name);
  if (record === undefined) throw parameterNotFound(raw);
  return { name, version: selectVersion(record, selector), selector };
}

const NOT_RESOLVABLE = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'ValidationException',
  'HierarchyLevelLimitExceededException',
]);

function tryResolve(ctx: OpContext, raw: string): Resolved | undefined {
  try {
    return resolve(ctx, raw);
  } catch (err) {
    if (err instanceof SsmError && NOT_RESOLVABLE.has(err.code)) return undefined;
    throw err;
  }
}

export function getParameter(ctx: OpContext, body: JsonObject): JsonObject {
  const r = resolve(ctx, reqString(body, 'Name'));
  return { Parameter: renderParameter(ctx, r.name, r.version, optBool(body, 'WithDecryption'), r.selector) };
}

export function getParameters(ctx: OpContext, body: JsonObject): JsonObject {
  const names = [...new Set(reqStringList(body, 'Names', 10))];
  const decrypt = optBool(body, 'WithDecryption');
  const parameters: JsonObject[] = [];
  const invalid: string[] = [];
  for (const raw of names) {
    const r = tryResolve(ctx, raw);
    if (r === undefined) invalid.push(raw);
    else parameters.push(renderParameter(ctx, r.name, r.version, decrypt, r.selector));
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

export function getParametersByPath(ctx: OpContext, body: JsonObject): JsonObject {
  const path = normalizePath(reqString(body, 'Path'));
  const recursive = optBool(body, 'Recursive');
  const filters = parseFilters(body, 'path');
  const max = maxResults(body, 10, 10);
  const decrypt = optBool(body, 'WithDecryption');
  const listed = ctx.store.all().flatMap((record) => {
    const version = isUnderPath(record.name, path, recursive) ? versionForListing(filters, record) : undefined;
    return version ? [{ name: record.name, version }] : [];
  });
  const page = paginate(listed, (item) => item.name, optString(body, 'NextToken'), max);
  return {
    Parameters: page.items.map((item) => renderParameter(ctx, item.name, item.version, decrypt)),
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
}
