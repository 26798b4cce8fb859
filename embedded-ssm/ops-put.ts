// PutParameter: validation, tier resolution, version retention.
import type { OpContext } from './context.js';
import { SsmError, validation } from './errors.js';
import { optArray, optBool, optString, reqString } from './input.js';
import { parseTags } from './tags.js';
import { putParameterName, validateWritableName } from './names.js';
import { latestVersion, parameterArn } from './render.js';
import type { JsonObject, ParameterRecord, ParameterTier, ParameterType, VersionRecord } from './types.js';
import { DEFAULT_KEY_ID, MAX_VERSIONS } from './types.js';

const TYPES: readonly string[] = ['String', 'StringList', 'SecureString'];
const TIERS: readonly string[] = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const STANDARD_LIMIT = 4096;
const ADVANCED_LIMIT = 8192;
const MAX_DESCRIPTION = 1024;
const MAX_PATTERN = 1024;

interface PutRequest {
  name: string;
  tags?: Record<string, string>;
  value: string;
  type?: ParameterType;
  tier?: string;
  overwrite: boolean;
  description?: string;
  allowedPattern?: string;
  keyId?: string;
  dataType: string;
}

function enumMember(body: JsonObject, field: string, allowed: readonly string[]): string | undefined {
  const v = optString(body, field);
  if (v !== undefined && !allowed.includes(v)) {
    throw validation(
      `1 validation error detected: Value '${v}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return v;
}

function boundedString(body: JsonObject, field: string, max: number): string | undefined {
  const v = optString(body, field);
  if (v !== undefined && v.length > max) throw validation(`${field} must be at most ${max} characters long.`);
  return v;
}

function checkDataType(dataType: string): void {
  if (dataType === 'text') return;
  if (dataType === 'aws:ec2:image' || dataType === 'aws:ssm:integration') {
    throw validation(`The data type ${dataType} is not supported by this embedded endpoint; use text.`);
  }
  throw validation(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
}

function checkUnsupported(body: JsonObject, overwrite: boolean): void {
  if (overwrite && (optArray(body, 'Tags') ?? []).length > 0) {
    throw validation(
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag.",
    );
  }
  const policies = optString(body, 'Policies');
  if (policies !== undefined && policies !== '' && policies !== '[]') {
    throw validation('Parameter policies are not supported by this embedded endpoint.');
  }
}

function parsePutRequest(ctx: OpContext, body: JsonObject): PutRequest {
  const name = putParameterName(reqString(body, 'Name'));
  validateWritableName(name, parameterArn(ctx.caller.region, name));
  const value = reqString(body, 'Value');
  if (value.length === 0) {
    throw validation(
      "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.",
    );
  }
  const overwrite = optBool(body, 'Overwrite');
  checkUnsupported(body, overwrite);
  const description = boundedString(body, 'Description', MAX_DESCRIPTION);
  const allowedPattern = boundedString(body, 'AllowedPattern', MAX_PATTERN);
  const dataType = optString(body, 'DataType') ?? 'text';
  checkDataType(dataType);
  const type = enumMember(body, 'Type', TYPES) as ParameterType | undefined;
  const tier = enumMember(body, 'Tier', TIERS);
  const keyId = optString(body, 'KeyId');
  const tags = parseTags(body);
  return {
    name,
    value,
    type,
    tier,
    overwrite,
    description,
    allowedPattern,
    keyId,
    dataType,
    ...(tags ? { tags } : {}),
  };
}

/** Intelligent-Tiering picks Advanced only when needed; an Advanced parameter never goes back to Standard. */
function chooseTier(req: PutRequest, previous: VersionRecord | undefined): ParameterTier {
  const wasAdvanced = previous?.tier === 'Advanced';
  if (req.tier === 'Intelligent-Tiering') {
    return wasAdvanced || req.value.length > STANDARD_LIMIT ? 'Advanced' : 'Standard';
  }
  if (req.tier === 'Standard' && wasAdvanced) {
    throw validation(`${req.name} is an advanced parameter; it can't be changed back to a standard parameter.`);
  }
  return (req.tier as ParameterTier | undefined) ?? previous?.tier ?? 'Standard';
}

function resolveTier(req: PutRequest, previous: VersionRecord | undefined): ParameterTier {
  const tier = chooseTier(req, previous);
  const limit = tier === 'Advanced' ? ADVANCED_LIMIT : STANDARD_LIMIT;
  if (req.value.length > limit) {
    const hint = tier === 'Standard' ? ' Use the Advanced or Intelligent-Tiering tier for larger values.' : '';
    throw validation(`Parameter value exceeds the ${tier} tier limit of ${String(limit)} characters.${hint}`);
  }
  return tier;
}

function checkPattern(pattern: string | undefined, value: string): void {
  if (pattern === undefined) return;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new SsmError(
      'InvalidAllowedPatternException',
      `The request does not meet the regular expression requirement: ${pattern}.`,
    );
  }
  if (!regex.test(value)) {
    throw new SsmError(
      'ParameterPatternMismatchException',
      `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
    );
  }
}

function resolveType(req: PutRequest, previous: VersionRecord | undefined): ParameterType {
  const type = req.type ?? previous?.type;
  if (type === undefined) throw validation('A parameter type is required when you create a parameter.');
  return type;
}

/** Optional metadata; description, allowed pattern and KMS key id carry over from the previous version when omitted. */
function metadata(req: PutRequest, type: ParameterType, previous: VersionRecord | undefined): Partial<VersionRecord> {
  const allowedPattern = req.allowedPattern ?? previous?.allowedPattern;
  const description = req.description ?? previous?.description;
  const keyId = type === 'SecureString' ? (req.keyId ?? previous?.keyId ?? DEFAULT_KEY_ID) : undefined;
  // Undefined members vanish when the record is serialized.
  return { keyId, description, allowedPattern };
}

function buildVersion(ctx: OpContext, req: PutRequest, previous: VersionRecord | undefined): VersionRecord {
  const type = resolveType(req, previous);
  const meta = metadata(req, type, previous);
  checkPattern(meta.allowedPattern, req.value);
  return {
    version: (previous?.version ?? 0) + 1,
    type,
    value: type === 'SecureString' ? ctx.cipher.encrypt(req.name, req.value) : req.value,
    tier: resolveTier(req, previous),
    dataType: req.dataType,
    labels: [],
    modifiedAt: ctx.now(),
    modifiedBy: ctx.caller.userArn,
    ...meta,
  };
}

/** Appends a version, dropping the oldest beyond 100 unless it carries a label. */
function appendVersion(existing: ParameterRecord, version: VersionRecord): VersionRecord[] {
  const versions = [...existing.versions];
  if (versions.length >= MAX_VERSIONS) {
    const oldest = versions[0];
    if (oldest !== undefined && oldest.labels.length > 0) {
      throw new SsmError(
        'ParameterMaxVersionLimitExceeded',
        `You attempted to create a new version of ${existing.name} by calling the PutParameter API with the overwrite flag. ` +
          `Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. ` +
          'Move the label to another version of the parameter, and try again.',
      );
    }
    versions.shift();
  }
  versions.push(version);
  return versions;
}

export async function putParameter(ctx: OpContext, body: JsonObject): Promise<JsonObject> {
  const req = parsePutRequest(ctx, body);
  return ctx.store.exclusive(async () => {
    const existing = ctx.store.get(req.name);
    if (existing !== undefined && !req.overwrite) {
      throw new SsmError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this request value, set the overwrite option in the request to true.',
      );
    }
    const version = buildVersion(ctx, req, existing ? latestVersion(existing) : undefined);
    const versions = existing ? appendVersion(existing, version) : [version];
    // Tags come only with a create (Overwrite refuses them); an overwrite keeps the parameter's tags.
    const tags = existing?.tags ?? req.tags;
    const notice = { operation: existing ? 'Update' : 'Create', region: ctx.caller.region } as const;
    await ctx.store.save({ name: req.name, versions, ...(tags ? { tags } : {}) }, notice);
    return { Version: version.version, Tier: version.tier };
  });
}
