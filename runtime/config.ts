import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** Options every csgw command shares; read once at start-up and injected. */
export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  prefix: string;
  gateway: string;
  dataDir: string;
  /** --data-dir or CSGW_DATA_DIR was given: the embedded store is asked for, and AWS must not be configured too. */
  dataDirExplicit: boolean;
  /** Deadlines of every AWS call. */
  timeouts: { connectMs: number; requestMs: number };
}

/** Where SSM is: real AWS (optionally at a custom endpoint) or the embedded endpoint serving dataDir. */
export type SsmTarget =
  | { mode: 'aws'; region: string; endpoint?: string; dummyCredentials: boolean }
  | { mode: 'embedded'; region: string; dataDir: string };

export type Env = Readonly<Record<string, string | undefined>>;

/** A contradiction in what the user configured: commands print it as it is. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_PREFIX = '/cloudspectra';
export const DEFAULT_REGION = 'us-east-1';

export function defaultDataDir(env: Env): string {
  return env.CSGW_DATA_DIR ?? join(env.HOME ?? homedir(), '.csgw');
}

export function defaultInstanceId(env: Env): string {
  return env.CSGW_INSTANCE_ID ?? hostname();
}

/**
 * Mirrors the AWS CLI: an explicit endpoint wins, then any AWS region/profile configuration means real AWS.
 * With nothing configured, the embedded endpoint is the default so the product runs without an account.
 */
export function resolveSsmTarget(opts: GlobalOptions, env: Env): SsmTarget {
  const endpoint = opts.endpointUrl ?? env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  checkDataDirAlone(opts, endpoint, region ?? env.AWS_PROFILE);
  if (endpoint) {
    const noCredentials = !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
    return {
      mode: 'aws',
      region: region ?? DEFAULT_REGION,
      endpoint,
      dummyCredentials: noCredentials && isLoopback(endpoint),
    };
  }
  if (region || env.AWS_PROFILE) return { mode: 'aws', region: region ?? DEFAULT_REGION, dummyCredentials: false };
  return { mode: 'embedded', region: DEFAULT_REGION, dataDir: join(opts.dataDir, 'ssm') };
}

/** An explicit embedded store together with AWS configuration is a contradiction, not a silent choice. */
function checkDataDirAlone(
  opts: GlobalOptions,
  endpoint: string | undefined,
  regionOrProfile: string | undefined,
): void {
  if (!opts.dataDirExplicit || (!endpoint && !regionOrProfile)) return;
  const aws = endpoint ? `an endpoint (${endpoint})` : 'an AWS region or profile';
  throw new ConfigError(
    `--data-dir (or CSGW_DATA_DIR) selects the embedded SSM store, but ${aws} is configured too: drop one of them`,
  );
}

/**
 * On EC2 (an identity read from IMDS) with no endpoint or region configured, SSM is the real one of the instance's
 * region: falling back to a private embedded store there would let every instance elect itself.
 */
export function ssmTargetOnEc2(target: SsmTarget, region: string): SsmTarget {
  return target.mode === 'embedded' ? { mode: 'aws', region, dummyCredentials: false } : target;
}

/** A loopback endpoint is this host's own (csgw ssm serve, the embedded endpoint), never AWS's. */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}
