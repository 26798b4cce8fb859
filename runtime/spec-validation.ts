import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { KindDefinition } from '../crds-equivalent/index.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Compiles every kind's schema once; validation applies schema defaults to a copy of the input. */
export class SpecValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(kinds: readonly KindDefinition[]) {
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    addFormats(ajv);
    for (const kind of kinds) this.validators.set(kind.kind, ajv.compile(kind.schema));
  }

  validate<T>(kind: KindDefinition, spec: unknown): Validation<T> {
    const validate = this.validators.get(kind.kind);
    if (!validate) return { ok: false, errors: [`unknown kind ${kind.kind}`] };
    const copy: unknown = structuredClone(spec);
    if (validate(copy)) return { ok: true, value: copy as T };
    // An `if` failure only repeats what its `then` branch already reported, naming the field.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    return { ok: false, errors: errors.map(formatError) };
  }
}

/** Parses a parameter value as JSON, reporting the parse error as a validation error. */
export function parseSpecJson(value: string): Validation<unknown> {
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch (err) {
    return { ok: false, errors: [`spec is not valid JSON: ${(err as Error).message}`] };
  }
}

function formatError(e: ErrorObject): string {
  // A path segment is a field name as given, and may hold a line break (a Secret key, a header name): escaped.
  const path = e.instancePath.replace(
    /[\p{Cc}\u2028\u2029]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const field = `spec${path.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
  if (e.keyword === 'additionalProperties') {
    // JSON quoting: a field name may hold a line break, and errors end up in one-line status and logs.
    return `${field}: unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  }
  if (e.keyword === 'enum') {
    return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  if (e.keyword === 'pattern') return `${field}: ${patternMessage(e)}`;
  return `${field}: ${e.message ?? e.keyword}`;
}

/** Patterns up to this long are shown as they are: they say more than a name would (eni-[0-9a-f]{8,17}). */
const SHOWN_PATTERN_LENGTH = 40;

/** What a long pattern of a field means, by the name of the schema node that holds it (a definition or property). */
const PATTERN_MEANINGS: readonly { node: RegExp; meaning: string }[] = [
  { node: /cidrs?$/i, meaning: '"IPv4 CIDR" (such as 10.0.0.0/16)' },
  { node: /(ipv4Address|Ip|IpAddress)$/, meaning: '"IPv4 address" (such as 10.0.0.1)' },
  { node: /(portOrRange|PortRange)$/, meaning: '"port range" (first-last, such as 8000-8100, each 1-65535)' },
  { node: /^availabilityZoneId$/, meaning: '"AZ ID" (such as use1-az1)' },
];

/**
 * ajv's own message repeats the regex: a 115-character CIDR regex per bad rule filled status documents past what SSM
 * accepts. A long pattern is named by what it means instead; the wording keeps ajv's "must match pattern".
 */
function patternMessage(e: ErrorObject): string {
  const pattern = (e.params as { pattern: string }).pattern;
  if (pattern.length <= SHOWN_PATTERN_LENGTH) return e.message ?? `must match pattern "${pattern}"`;
  const node = schemaNodeName(e.schemaPath);
  const meaning = PATTERN_MEANINGS.find((m) => m.node.test(node))?.meaning ?? `"${node}" (see csgw explain)`;
  return `must match pattern ${meaning}`;
}

/** The definition or property a schema path ends in: #/definitions/ipv4Cidr/pattern -> ipv4Cidr. */
function schemaNodeName(schemaPath: string): string {
  const structural = new Set([
    '#',
    'pattern',
    'items',
    'oneOf',
    'anyOf',
    'allOf',
    'properties',
    'definitions',
    '$defs',
  ]);
  return (
    schemaPath
      .split('/')
      .filter((s) => !structural.has(s) && !/^\d+$/.test(s))
      .at(-1) ?? 'value'
  );
}
