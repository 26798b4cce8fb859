import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { ControllerError } from '../../runtime/controller.js';
import {
  findFeature,
  isAccountId,
  operationalRoleArn,
  operationalRoleName,
  parseStackArn,
  stackResourceName,
  type OperationalRoleNumber,
} from '../../runtime/aws/operational-role.js';

/** Where the operational roles are: their names derive from the manager stack; the home account is this one. */
export interface OperationalRoleConfig {
  prefix: string;
  managerStackName: string;
  managerStackId: string;
  homeAccountId: string;
}

/** Temporary credentials of an operational role, in the shape the AWS SDK's credential providers return. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

/** Fits an SDK client's `credentials` option (an AwsCredentialIdentityProvider). */
export type CredentialProvider = () => Promise<AwsCredentials>;

export interface OperationalCredentials {
  /** Credentials of the role the feature runs under, in accountId (default: the home account). */
  forFeature(featureId: string, accountId?: string): CredentialProvider;
}

export interface OperationalCredentialsOptions {
  /** Signs with the base instance credentials; used only to call AssumeRole. */
  sts: STSClient;
  config: OperationalRoleConfig;
  /** Read on every AssumeRole, so a rotated external id takes effect. Never logged. */
  externalId: () => Promise<string>;
  clock?: () => Date;
  /** Assume again this long before the credentials expire. */
  refreshBeforeMs?: number;
  /** Usually the instance id; shows in the member account's CloudTrail. */
  sessionName: string;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;
const SESSION_SECONDS = 3600;

interface CacheEntry {
  credentials?: AwsCredentials;
  inflight?: Promise<AwsCredentials>;
}

/**
 * Credential providers for the operational roles, one cached session per role ARN. Concurrent callers share one
 * AssumeRole. Failures become ControllerErrors; nothing here ever hands out the base credentials instead.
 */
export function createOperationalCredentials(opts: OperationalCredentialsOptions): OperationalCredentials {
  const name = stackResourceName(opts.config);
  const partition = parseStackArn(opts.config.managerStackId).partition;
  if (!isAccountId(opts.config.homeAccountId)) {
    throw new Error(`invalid home account id "${opts.config.homeAccountId}": expected 12 digits`);
  }
  const sessionName = sanitizeSessionName(opts.sessionName);
  const clock = opts.clock ?? ((): Date => new Date());
  const refreshBeforeMs = opts.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const cache = new Map<string, CacheEntry>();

  const fresh = (c: AwsCredentials): boolean =>
    c.expiration !== undefined && clock().getTime() < c.expiration.getTime() - refreshBeforeMs;

  const assume = (roleArn: string): Promise<AwsCredentials> =>
    assumeRole({ sts: opts.sts, roleArn, sessionName, externalId: opts.externalId });

  const provider =
    (roleArn: string): CredentialProvider =>
    () => {
      const entry = cache.get(roleArn) ?? {};
      cache.set(roleArn, entry);
      if (entry.credentials && fresh(entry.credentials)) return Promise.resolve(entry.credentials);
      entry.inflight ??= assume(roleArn)
        .then((credentials) => (entry.credentials = credentials))
        .finally(() => (entry.inflight = undefined));
      return entry.inflight;
    };

  return {
    forFeature(featureId, accountId = opts.config.homeAccountId) {
      const role = operationalRoleOf(featureId);
      return provider(operationalRoleArn(accountId, operationalRoleName(name, role), partition));
    },
  };
}

/** Base features have no operational role: asking for one is a wiring bug, never a reason to use base credentials. */
function operationalRoleOf(featureId: string): OperationalRoleNumber {
  const feature = findFeature(featureId);
  if (!feature) throw new Error(`unknown feature "${featureId}"`);
  if (feature.role === 'base')
    throw new Error(`feature "${featureId}" runs on the instance role, not an operational role`);
  return feature.role;
}

/** RoleSessionName allows [\w+=,.@-]{2,64}. */
export function sanitizeSessionName(raw: string): string {
  const name = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  if (name.length < 2) throw new Error(`session name "${raw}" is too short: AssumeRole needs at least 2 characters`);
  return name;
}

interface AssumeRequest {
  sts: STSClient;
  roleArn: string;
  sessionName: string;
  externalId: () => Promise<string>;
}

async function assumeRole(req: AssumeRequest): Promise<AwsCredentials> {
  const externalId = await readExternalId(req);
  let out;
  try {
    out = await req.sts.send(
      new AssumeRoleCommand({
        RoleArn: req.roleArn,
        RoleSessionName: req.sessionName,
        ExternalId: externalId,
        DurationSeconds: SESSION_SECONDS,
      }),
    );
  } catch (err) {
    throw assumeRoleError(err, req.roleArn);
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new ControllerError('OperationalRoleUnavailable', `AssumeRole ${req.roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

async function readExternalId(req: AssumeRequest): Promise<string> {
  try {
    return await req.externalId();
  } catch (err) {
    if (err instanceof ControllerError) throw err;
    throw new ControllerError(
      'OperationalRoleUnavailable',
      `cannot read the external id to assume ${req.roleArn} (${errorName(err)})`,
    );
  }
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** Codes that will not change by retrying soon: the role, its trust policy or the external id must be fixed. */
const ROLE_PROBLEMS: Readonly<Record<string, string>> = {
  AccessDenied: 'the role is missing, or its trust policy does not admit this instance role and external id',
  NoSuchEntity: 'the role does not exist',
  InvalidClientTokenId: 'the instance credentials are not valid for STS here',
  RegionDisabledException: 'STS is not activated in this region for the account',
  ValidationError: 'STS rejected the request (role name, session name or external id)',
  MalformedPolicyDocument: 'STS rejected the session policy',
  PackedPolicyTooLarge: 'STS rejected the session policy',
};

/**
 * Maps by err.name only. The message names the role and the code, never AWS's own text (it can carry caller ARNs)
 * and never the external id.
 */
function assumeRoleError(err: unknown, roleArn: string): ControllerError {
  const code = errorName(err);
  if (THROTTLING.has(code)) return new ControllerError('Throttled', `AssumeRole ${roleArn} was throttled (${code})`);
  const problem = code.startsWith('AccessDenied') ? ROLE_PROBLEMS.AccessDenied : ROLE_PROBLEMS[code];
  if (problem !== undefined) {
    return new ControllerError(
      'OperationalRoleUnavailable',
      `AssumeRole ${roleArn} failed (${code}): ${problem}`,
      true,
    );
  }
  // Outages, timeouts, expired base credentials: retrying with backoff can fix these, so the feature stays active.
  return new ControllerError('OperationalRoleUnavailable', `AssumeRole ${roleArn} failed (${code}): retrying`);
}

function errorName(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}
