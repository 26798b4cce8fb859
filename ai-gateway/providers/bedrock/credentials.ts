import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** Temporary credentials in the shape the SDK's `credentials` option takes. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface AssumeRoleOptions {
  roleArn: string;
  region: string;
  /** Operational roles trust the gateway only with their external id. Never logged. */
  externalId?: string;
  sessionName?: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Tests: sign the AssumeRole call with these instead of the default chain (instance role). */
  sourceCredentials?: AwsCredentials;
  /** Tests and VPC endpoints: where STS is. */
  stsEndpoint?: string;
}

const SESSION_SECONDS = 3600;
/** Assume again this long before the session ends, so no call starts with credentials about to expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface AssumedRole {
  provider: CredentialProvider;
  close(): void;
}

/**
 * Credentials of `roleArn`, assumed with the instance role (the default chain) and renewed before they expire.
 * Concurrent callers share one AssumeRole call. A failure rejects (the Bedrock call then fails as
 * CredentialsProviderError): the instance role's own credentials are never used in the role's place.
 */
export function assumeRoleCredentials(opts: AssumeRoleOptions): AssumedRole {
  const sts = new STSClient({
    region: opts.region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: opts.connectTimeoutMs, requestTimeout: opts.requestTimeoutMs },
    ...(opts.stsEndpoint ? { endpoint: opts.stsEndpoint } : {}),
    ...(opts.sourceCredentials ? { credentials: opts.sourceCredentials } : {}),
  });
  let current: AwsCredentials | undefined;
  let inflight: Promise<AwsCredentials> | undefined;
  const fresh = (c: AwsCredentials | undefined): c is AwsCredentials =>
    c?.expiration !== undefined && Date.now() < c.expiration.getTime() - REFRESH_BEFORE_MS;

  const assume = async (): Promise<AwsCredentials> => {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: opts.roleArn,
        RoleSessionName: opts.sessionName ?? 'csgw-ai-gateway',
        DurationSeconds: SESSION_SECONDS,
        ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw Object.assign(new Error(`AssumeRole ${opts.roleArn} returned no credentials`), {
        name: 'CredentialsProviderError',
      });
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };

  const provider: CredentialProvider = () => {
    if (fresh(current)) return Promise.resolve(current);
    inflight ??= assume()
      .then((c) => (current = c))
      .catch((err: unknown) => {
        throw Object.assign(new Error(`cannot assume ${opts.roleArn}: ${errorName(err)}`), {
          name: 'CredentialsProviderError',
        });
      })
      .finally(() => (inflight = undefined));
    return inflight;
  };
  return { provider, close: () => sts.destroy() };
}

function errorName(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'Error';
}
