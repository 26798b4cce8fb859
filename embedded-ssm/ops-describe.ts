// DescribeParameters: metadata of each parameter's latest version, filtered and paginated.
import type { OpContext } from './context.js';
import { matchesFilters, parseFilters } from './filters.js';
import { maxResults, optString } from './input.js';
import { paginate } from './pagination.js';
import { latestVersion, renderMetadata } from './render.js';
import type { JsonObject } from './types.js';

export function describeParameters(ctx: OpContext, body: JsonObject): JsonObject {
  const filters = parseFilters(body, 'describe');
  const max = maxResults(body, 50, 50);
  const matching = ctx.store.all().filter((record) => matchesFilters(filters, record, latestVersion(record)));
  const page = paginate(matching, (record) => record.name, optString(body, 'NextToken'), max);
  return {
    Parameters: page.items.map((record) => renderMetadata(ctx, record)),
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
}
