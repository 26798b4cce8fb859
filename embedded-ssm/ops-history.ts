// GetParameterHistory, LabelParameterVersion, UnlabelParameterVersion.
import type { OpContext } from './context.js';
import { parameterNotFound, SsmError, validation, versionNotFound } from './errors.js';
import { maxResults, optBool, optInt, optString, reqString, reqStringList } from './input.js';
import { isValidLabel, validateName } from './names.js';
import { paginate } from './pagination.js';
import { latestVersion, renderHistory } from './render.js';
import type { JsonObject, ParameterRecord, VersionRecord } from './types.js';

const MAX_LABELS_PER_VERSION = 10;

function requireRecord(ctx: OpContext, name: string): ParameterRecord {
  validateName(name);
  const record = ctx.store.get(name);
  if (record === undefined) throw parameterNotFound(name);
  return record;
}

function findVersion(record: ParameterRecord, version: number | undefined): VersionRecord {
  if (version === undefined) return latestVersion(record);
  const found = record.versions.find((v) => v.version === version);
  if (found === undefined) throw versionNotFound(record.name, String(version));
  return found;
}

export function getParameterHistory(ctx: OpContext, body: JsonObject): JsonObject {
  const record = requireRecord(ctx, reqString(body, 'Name'));
  const max = maxResults(body, 50, 50);
  const decrypt = optBool(body, 'WithDecryption');
  const page = paginate(record.versions, (v) => v.version, optString(body, 'NextToken'), max);
  return {
    Parameters: page.items.map((v) => renderHistory(ctx, record.name, v, decrypt)),
    ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
  };
}

/** Attaches labels to one version; a label already on another version moves. */
function relabel(record: ParameterRecord, target: VersionRecord, added: string[]): ParameterRecord {
  const versions = record.versions.map((v) =>
    v.version === target.version
      ? { ...v, labels: [...v.labels, ...added] }
      : { ...v, labels: v.labels.filter((l) => !added.includes(l)) },
  );
  return { ...record, versions };
}

export async function labelParameterVersion(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const name = reqString(body, 'Name');
  const requested = optInt(body, 'ParameterVersion');
  const labels = [...new Set(reqStringList(body, 'Labels', MAX_LABELS_PER_VERSION))];
  return ctx.store.exclusive(async () => {
    const record = requireRecord(ctx, name);
    const target = findVersion(record, requested);
    const invalid = labels.filter((l) => !isValidLabel(l));
    const added = labels.filter((l) => isValidLabel(l) && !target.labels.includes(l));
    if (target.labels.length + added.length > MAX_LABELS_PER_VERSION) {
      throw new SsmError(
        'ParameterVersionLabelLimitExceeded',
        'A parameter version can have maximum 10 labels. Move one or more labels to another version and try again.',
      );
    }
    if (added.length > 0) {
      await ctx.store.save(relabel(record, target, added), {
        operation: 'LabelParameterVersion',
        region: ctx.caller.region,
      });
    }
    return { InvalidLabels: invalid, ParameterVersion: target.version };
  });
}

export async function unlabelParameterVersion(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const name = reqString(body, 'Name');
  const requested = optInt(body, 'ParameterVersion');
  if (requested === undefined) throw validation('ParameterVersion is required.');
  const labels = [...new Set(reqStringList(body, 'Labels', MAX_LABELS_PER_VERSION))];
  return ctx.store.exclusive(async () => {
    const record = requireRecord(ctx, name);
    const target = findVersion(record, requested);
    const removed = labels.filter((l) => target.labels.includes(l));
    if (removed.length > 0) {
      const versions = record.versions.map((v) =>
        v === target ? { ...v, labels: v.labels.filter((l) => !removed.includes(l)) } : v,
      );
      await ctx.store.save(
        { ...record, versions },
        { operation: 'UnlabelParameterVersion', region: ctx.caller.region },
      );
    }
    return { RemovedLabels: removed, InvalidLabels: labels.filter((l) => !removed.includes(l)) };
  });
}
