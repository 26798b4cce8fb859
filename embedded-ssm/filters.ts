// ParameterFilters (and the legacy Filters) of DescribeParameters and GetParametersByPath.
import { SsmError, validation } from './errors.js';
import { isObject, optArray, optString, optStringList } from './input.js';
import { isUnderPath, normalizePath } from './names.js';
import type { JsonObject, ParameterRecord, VersionRecord } from './types.js';

export interface ParamFilter {
  key: string;
  option: string;
  values: string[];
}

export type FilterMode = 'describe' | 'path';

/**
 * Filter keys per operation, as the SSM API Reference lists them: DescribeParameters takes Name, Type, KeyId, Path,
 * Tier, DataType and tag:<key>; "The following Key values are supported for GetParametersByPath: Type, KeyId, and
 * Label. The following Key values aren't supported for GetParametersByPath: tag, DataType, Name, Path, and Tier."
 */
const KEYS: Record<FilterMode, readonly string[]> = {
  describe: ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'tag:<key>'],
  path: ['Type', 'KeyId', 'Label'],
};
/** tag:<key>, the key up to 128 characters (ParameterStringFilterKey is at most 132 long). */
const TAG_KEY = /^tag:(.{1,128})$/su;

function isValidKey(key: string, mode: FilterMode): boolean {
  return KEYS[mode].includes(key) || (mode === 'describe' && TAG_KEY.test(key));
}
const LEGACY_KEYS: readonly string[] = ['Name', 'Type', 'KeyId'];

function optionsFor(key: string): readonly string[] {
  if (key === 'Path') return ['OneLevel', 'Recursive'];
  if (key === 'Name') return ['Equals', 'BeginsWith', 'Contains'];
  if (key === 'Label') return ['Equals'];
  return ['Equals', 'BeginsWith'];
}

function parseOne(raw: unknown, mode: FilterMode): ParamFilter {
  if (!isObject(raw)) throw new SsmError('SerializationException', 'ParameterFilters members must be objects.');
  const key = optString(raw, 'Key') ?? '';
  if (!isValidKey(key, mode)) {
    throw new SsmError(
      'InvalidFilterKey',
      `The following filter key is not valid: ${key}. Valid filter keys include: [${KEYS[mode].join(', ')}].`,
    );
  }
  const option = optString(raw, 'Option') ?? (key === 'Path' ? 'OneLevel' : 'Equals');
  if (!optionsFor(key).includes(option)) {
    throw new SsmError(
      'InvalidFilterOption',
      `The following filter option is not valid: ${option}. Valid options include: [${optionsFor(key).join(', ')}].`,
    );
  }
  const values = optStringList(raw, 'Values') ?? [];
  if (values.length === 0)
    throw new SsmError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
  return { key, option, values: key === 'Path' ? values.map(normalizePath) : values };
}

function parseLegacy(raw: unknown): ParamFilter {
  if (!isObject(raw)) throw new SsmError('SerializationException', 'Filters members must be objects.');
  const key = optString(raw, 'Key') ?? '';
  if (!LEGACY_KEYS.includes(key))
    throw new SsmError('InvalidFilterKey', `The following filter key is not valid: ${key}.`);
  const values = optStringList(raw, 'Values') ?? [];
  if (values.length === 0)
    throw new SsmError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
  return { key, option: key === 'Name' ? 'BeginsWith' : 'Equals', values };
}

/** Reads ParameterFilters (and, for describe, legacy Filters); at most one filter per key. */
export function parseFilters(body: JsonObject, mode: FilterMode): ParamFilter[] {
  const modern = optArray(body, 'ParameterFilters');
  const legacy = mode === 'describe' ? optArray(body, 'Filters') : undefined;
  if (modern !== undefined && legacy !== undefined) {
    throw validation('You can use either Filters or ParameterFilters in a single request.');
  }
  const filters = modern ? modern.map((f) => parseOne(f, mode)) : (legacy ?? []).map(parseLegacy);
  const seen = new Set<string>();
  for (const f of filters) {
    if (seen.has(f.key)) {
      throw new SsmError(
        'InvalidFilterKey',
        `The following filter is duplicated in the request: ${f.key}. A request can contain only one occurrence of a specific filter.`,
      );
    }
    seen.add(f.key);
  }
  return filters;
}

function withSlash(name: string): string {
  return `/${name.replace(/^\/+/, '')}`;
}

function compare(option: string, actual: string | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  if (option === 'BeginsWith') return actual.startsWith(wanted);
  if (option === 'Contains') return actual.includes(wanted);
  return actual === wanted;
}

function attribute(
  key: string,
  record: { name: string; tags?: Record<string, string> },
  v: VersionRecord,
): string | undefined {
  const tag = TAG_KEY.exec(key);
  if (tag) return record.tags?.[tag[1] ?? ''];
  const name = record.name;
  switch (key) {
    case 'Name':
      return withSlash(name);
    case 'Type':
      return v.type;
    case 'KeyId':
      return v.keyId;
    case 'Tier':
      return v.tier;
    default:
      return v.dataType;
  }
}

/**
 * True when one version of a parameter passes every non-label filter. Names compare with a leading slash; a tag
 * filter matches the value of the parameter's tag of that key.
 */
export function matchesFilters(filters: ParamFilter[], record: ParameterRecord, v: VersionRecord): boolean {
  const name = record.name;
  return filters.every((f) => {
    if (f.key === 'Label') return true;
    if (f.key === 'Path') return f.values.some((p) => isUnderPath(name, p, f.option === 'Recursive'));
    const actual = attribute(f.key, record, v);
    return f.values.some((want) =>
      compare(f.option, actual, f.key === 'Name' && f.option !== 'Contains' ? withSlash(want) : want),
    );
  });
}

/** The version a by-path listing shows: the one carrying a wanted label, else the latest. */
export function versionForListing(filters: ParamFilter[], record: ParameterRecord): VersionRecord | undefined {
  const label = filters.find((f) => f.key === 'Label');
  const candidates = label
    ? record.versions.filter((v) => v.labels.some((l) => label.values.includes(l)))
    : record.versions.slice(-1);
  const v = candidates[candidates.length - 1];
  return v !== undefined && matchesFilters(filters, record, v) ? v : undefined;
}
