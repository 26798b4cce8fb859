import type { InstanceIdentity } from '../../runtime/aws/ports.js';

export interface ImdsOptions {
  /** http://169.254.169.254 unless a lab points elsewhere (amazon-ec2-metadata-mock, a test server). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request. IMDS answers in milliseconds, so a long wait means it is not there. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_BASE_URL = 'http://169.254.169.254';
const DEFAULT_TIMEOUT_MS = 2000;
const TOKEN_TTL_SECONDS = '21600';
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

interface Session {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  body: string;
}

const causeCode = (err: unknown): string => {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.message : String(err);
};

/** One IMDS request; a network failure or timeout becomes an Error that says what it most likely means. */
async function send(
  session: Session,
  method: 'GET' | 'PUT',
  path: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const deadline = AbortSignal.timeout(session.timeoutMs);
  const signal = session.signal ? AbortSignal.any([session.signal, deadline]) : deadline;
  try {
    const res = await session.fetch(`${session.baseUrl}${path}`, { method, headers, signal, redirect: 'error' });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    if (session.signal?.aborted) throw session.signal.reason;
    if (deadline.aborted) {
      // With HttpPutResponseHopLimit 1, the token PUT's answer dies one hop short of a container: it looks like this.
      const hint = method === 'PUT' ? '; from a container, raise the instance metadata hop limit to 2' : '';
      throw new Error(
        `IMDS did not answer ${method} ${path} within ${session.timeoutMs}ms: not on EC2 or IMDS disabled${hint}`,
        { cause: err },
      );
    }
    throw new Error(`IMDS unreachable at ${session.baseUrl} (${causeCode(err)}): not on EC2 or IMDS disabled`, {
      cause: err,
    });
  }
}

async function fetchToken(session: Session): Promise<string> {
  const answer = await send(session, 'PUT', '/latest/api/token', {
    'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS,
  });
  if (answer.status === 403)
    throw new Error('IMDS refused the IMDSv2 token (HTTP 403): IMDS is disabled on this instance');
  if (answer.status !== 200) {
    throw new Error(`IMDS refused the IMDSv2 token (HTTP ${answer.status}): a proxy or firewall in the way?`);
  }
  if (answer.body.trim() === '') throw new Error('IMDS answered the token request with an empty token');
  return answer.body.trim();
}

async function get(session: Session, token: string, path: string): Promise<string> {
  const answer = await send(session, 'GET', path, { 'X-aws-ec2-metadata-token': token });
  if (answer.status === 401) throw new Error(`IMDS rejected the IMDSv2 token for ${path} (HTTP 401)`);
  if (answer.status !== 200) throw new Error(`IMDS GET ${path} failed (HTTP ${answer.status})`);
  return answer.body.trim();
}

interface IdentityDocument {
  instanceId: string;
  region: string;
  availabilityZone: string;
  accountId?: string;
}

function parseDocument(body: string): IdentityDocument {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new Error('IMDS instance identity document is not JSON');
  }
  const str = (key: string): string | undefined => (typeof doc[key] === 'string' ? doc[key] : undefined);
  const [instanceId, region, availabilityZone] = [str('instanceId'), str('region'), str('availabilityZone')];
  if (!instanceId || !region || !availabilityZone) {
    throw new Error('IMDS instance identity document lacks instanceId, region or availabilityZone');
  }
  const accountId = str('accountId');
  return { instanceId, region, availabilityZone, ...(accountId ? { accountId } : {}) };
}

/** Reads who this node is through IMDSv2: one token, then the identity document, AZ id and primary interface. */
export async function readInstanceIdentity(opts: ImdsOptions = {}): Promise<InstanceIdentity> {
  const session: Session = {
    baseUrl: (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    fetch: opts.fetch ?? fetch,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const token = await fetchToken(session);
  const [document, availabilityZoneId, mac] = await Promise.all([
    get(session, token, '/latest/dynamic/instance-identity/document').then(parseDocument),
    get(session, token, '/latest/meta-data/placement/availability-zone-id'),
    // meta-data/mac is the MAC of the device-index-0 interface: the gateway interface.
    get(session, token, '/latest/meta-data/mac'),
  ]);
  // The MAC goes into the next path, so it must be a MAC and nothing else.
  if (!MAC_PATTERN.test(mac)) throw new Error(`IMDS meta-data/mac is not a MAC address: ${JSON.stringify(mac)}`);
  const primaryEniId = await get(session, token, `/latest/meta-data/network/interfaces/macs/${mac}/interface-id`);
  return { ...document, availabilityZoneId, primaryEniId };
}

const OVERRIDES = {
  instanceId: { env: 'CSGW_EC2_INSTANCE_ID', pattern: /^i-[0-9a-f]+$/, example: 'i-0123456789abcdef0' },
  region: { env: 'CSGW_EC2_REGION', pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/, example: 'us-east-1' },
  availabilityZone: {
    env: 'CSGW_EC2_AZ',
    pattern: /^[a-z]{2}(-[a-z]+)+-\d+(-[a-z]+-\d+)?[a-z]$/,
    example: 'us-east-1a',
  },
  availabilityZoneId: { env: 'CSGW_EC2_AZ_ID', pattern: /^[a-z]+\d+(-[a-z]+\d+)?-az\d+$/, example: 'use1-az1' },
  primaryEniId: { env: 'CSGW_EC2_ENI_ID', pattern: /^eni-[0-9a-f]+$/, example: 'eni-0123456789abcdef0' },
  accountId: { env: 'CSGW_EC2_ACCOUNT_ID', pattern: /^\d{12}$/, example: '123456789012' },
} as const;

type OverrideKey = keyof typeof OVERRIDES;
const KEYS = Object.keys(OVERRIDES) as OverrideKey[];
const isOptional = (key: OverrideKey): boolean => key === 'accountId';

function overrideProblems(values: Partial<Record<OverrideKey, string>>): string[] {
  const missing = KEYS.filter((k) => !isOptional(k) && values[k] === undefined).map((k) => OVERRIDES[k].env);
  const problems = missing.length ? [`missing ${missing.join(', ')}`] : [];
  for (const key of KEYS) {
    const value = values[key];
    const { env, pattern, example } = OVERRIDES[key];
    if (value !== undefined && !pattern.test(value)) problems.push(`${env}=${value} is not like ${example}`);
  }
  const { region, availabilityZone } = values;
  if (region && availabilityZone && !availabilityZone.startsWith(region)) {
    problems.push(`CSGW_EC2_AZ=${availabilityZone} is not in CSGW_EC2_REGION=${region}`);
  }
  return problems;
}

/**
 * The identity from CSGW_EC2_* variables (labs and tests, where there is no IMDS). undefined when none is set; an
 * Error naming every problem when they are incomplete or malformed, so a half-configured lab fails at start-up.
 */
export function identityFromOverrides(env: Env): InstanceIdentity | undefined {
  const values: Partial<Record<OverrideKey, string>> = {};
  for (const key of KEYS) {
    const value = env[OVERRIDES[key].env]?.trim();
    if (value) values[key] = value;
  }
  if (Object.keys(values).length === 0) return undefined;
  const problems = overrideProblems(values);
  if (problems.length) throw new Error(`CSGW_EC2_* overrides are invalid: ${problems.join('; ')}`);
  return values as InstanceIdentity;
}

/** Overrides win; otherwise IMDS. */
export async function resolveInstanceIdentity(env: Env, imdsOpts: ImdsOptions = {}): Promise<InstanceIdentity> {
  return identityFromOverrides(env) ?? readInstanceIdentity(imdsOpts);
}
