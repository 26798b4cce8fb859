// Shapes records into the wire structures of the SSM API (Parameter, ParameterHistory, ParameterMetadata).
import type { OpContext } from './context.js';
import { parameterNotFound, versionNotFound } from './errors.js';
import type { JsonObject, ParameterRecord, VersionRecord } from './types.js';
import { ACCOUNT_ID } from './types.js';

export function parameterArn(region: string, name: string): string {
  return `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/${name.replace(/^\//, '')}`;
}

export function latestVersion(record: ParameterRecord): VersionRecord {
  const latest = record.versions[record.versions.length - 1];
  if (latest === undefined) throw parameterNotFound(record.name);
  return latest;
}

/** Picks the version a selector ("3" or "label") names; the latest without selector. */
export function selectVersion(record: ParameterRecord, selector: string | undefined): VersionRecord {
  if (selector === undefined) return latestVersion(record);
  const found = /^[0-9]+$/.test(selector)
    ? record.versions.find((v) => v.version === Number(selector))
    : record.versions.find((v) => v.labels.includes(selector));
  if (found === undefined) throw versionNotFound(record.name, selector);
  return found;
}

/** Epoch seconds, which is what the JSON 1.1 protocol uses for timestamps. */
function seconds(ms: number): number {
  return ms / 1000;
}

function valueOf(ctx: OpContext, name: string, v: VersionRecord, decrypt: boolean): string {
  return v.type === 'SecureString' && decrypt ? ctx.cipher.decrypt(name, v.value) : v.value;
}

export function renderParameter(
  ctx: OpContext,
  name: string,
  v: VersionRecord,
  decrypt: boolean,
  selector?: string,
): JsonObject {
  return {
    Name: name,
    Type: v.type,
    Value: valueOf(ctx, name, v, decrypt),
    Version: v.version,
    ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
    LastModifiedDate: seconds(v.modifiedAt),
    ARN: parameterArn(ctx.caller.region, name),
    DataType: v.dataType,
  };
}

function optionalFields(v: VersionRecord): JsonObject {
  return {
    ...(v.keyId !== undefined ? { KeyId: v.keyId } : {}),
    ...(v.description !== undefined ? { Description: v.description } : {}),
    ...(v.allowedPattern !== undefined ? { AllowedPattern: v.allowedPattern } : {}),
  };
}

export function renderHistory(ctx: OpContext, name: string, v: VersionRecord, decrypt: boolean): JsonObject {
  return {
    Name: name,
    Type: v.type,
    ...optionalFields(v),
    LastModifiedDate: seconds(v.modifiedAt),
    LastModifiedUser: v.modifiedBy,
    Value: valueOf(ctx, name, v, decrypt),
    Version: v.version,
    Labels: v.labels,
    Tier: v.tier,
    Policies: [],
    DataType: v.dataType,
  };
}

export function renderMetadata(ctx: OpContext, record: ParameterRecord): JsonObject {
  const v = latestVersion(record);
  return {
    Name: record.name,
    ARN: parameterArn(ctx.caller.region, record.name),
    Type: v.type,
    ...optionalFields(v),
    LastModifiedDate: seconds(v.modifiedAt),
    LastModifiedUser: v.modifiedBy,
    Version: v.version,
    Tier: v.tier,
    Policies: [],
    DataType: v.dataType,
  };
}
