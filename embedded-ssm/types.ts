// Internal data model of the embedded SSM Parameter Store.

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced';

/** One stored version of a parameter. SecureString values hold the base64 ciphertext. */
export interface VersionRecord {
  version: number;
  type: ParameterType;
  value: string;
  tier: ParameterTier;
  dataType: string;
  labels: string[];
  /** Epoch milliseconds. */
  modifiedAt: number;
  modifiedBy: string;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
}

/** A parameter with all its retained versions, oldest first. */
export interface ParameterRecord {
  name: string;
  versions: VersionRecord[];
  /** Tags of the parameter (not of a version): set by PutParameter on create and AddTagsToResource. */
  tags?: Record<string, string>;
}

/** Who is calling, derived from the request's SigV4 Authorization header. */
export interface Caller {
  region: string;
  userArn: string;
}

/** pino-compatible logger subset. */
export interface EndpointLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export type JsonObject = Record<string, unknown>;

export const ACCOUNT_ID = '000000000000';
export const DEFAULT_KEY_ID = 'alias/aws/ssm';
export const MAX_VERSIONS = 100;
