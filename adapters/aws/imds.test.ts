import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityFromOverrides, readInstanceIdentity, resolveInstanceIdentity } from './imds.js';

const MAC = '0e:49:61:0f:c3:11';
const DOCUMENT = {
  instanceId: 'i-0abc123def4567890',
  region: 'eu-west-1',
  availabilityZone: 'eu-west-1b',
  accountId: '123456789012',
  architecture: 'x86_64',
};
const EXPECTED = {
  instanceId: 'i-0abc123def4567890',
  region: 'eu-west-1',
  availabilityZone: 'eu-west-1b',
  availabilityZoneId: 'euw1-az3',
  primaryEniId: 'eni-0f00ba11',
  accountId: '123456789012',
};

interface FakeImds {
  /** What the token PUT does: issue a token, refuse with a status, or never answer (hop limit). */
  tokenMode: 'issue' | 'hang' | number;
  /** The token GETs must carry; differs from the issued one to play an expired token. */
  acceptedToken: string;
  document: string;
  mac: string;
  requests: string[];
}

let server: Server | undefined;

const GET_ROUTES = (imds: FakeImds): Record<string, string> => ({
  '/latest/dynamic/instance-identity/document': imds.document,
  '/latest/meta-data/placement/availability-zone-id': 'euw1-az3',
  '/latest/meta-data/mac': `${imds.mac}\n`,
  [`/latest/meta-data/network/interfaces/macs/${MAC}/interface-id`]: 'eni-0f00ba11',
});

function answerToken(imds: FakeImds, req: IncomingMessage, res: ServerResponse): void {
  if (imds.tokenMode === 'hang') return;
  if (typeof imds.tokenMode === 'number') return void res.writeHead(imds.tokenMode).end();
  if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== '21600') return void res.writeHead(400).end();
  res.writeHead(200).end('token-1');
}

function handle(imds: FakeImds, req: IncomingMessage, res: ServerResponse): void {
  imds.requests.push(`${req.method} ${req.url}`);
  if (req.method === 'PUT' && req.url === '/latest/api/token') return answerToken(imds, req, res);
  if (req.method !== 'GET') return void res.writeHead(405).end();
  if (req.headers['x-aws-ec2-metadata-token'] !== imds.acceptedToken) return void res.writeHead(401).end();
  const body = GET_ROUTES(imds)[req.url ?? ''];
  if (body === undefined) return void res.writeHead(404).end();
  res.writeHead(200).end(body);
}

async function startImds(overrides: Partial<FakeImds> = {}): Promise<{ baseUrl: string; imds: FakeImds }> {
  const imds: FakeImds = {
    tokenMode: 'issue',
    acceptedToken: 'token-1',
    document: JSON.stringify(DOCUMENT),
    mac: MAC,
    requests: [],
    ...overrides,
  };
  const srv = createServer((req, res) => handle(imds, req, res));
  server = srv;
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, imds };
}

afterEach(async () => {
  const srv = server;
  server = undefined;
  srv?.closeAllConnections();
  await new Promise((resolve) => srv?.close(resolve) ?? resolve(undefined));
});

describe('readInstanceIdentity', () => {
  it('gets a token, then reads the document, AZ id, MAC and primary interface with it', async () => {
    const { baseUrl, imds } = await startImds();
    expect(await readInstanceIdentity({ baseUrl: `${baseUrl}/` })).toStrictEqual(EXPECTED);
    expect(imds.requests[0]).toBe('PUT /latest/api/token');
    expect(imds.requests.at(-1)).toBe(`GET /latest/meta-data/network/interfaces/macs/${MAC}/interface-id`);
    expect(imds.requests).toHaveLength(5);
  });

  it('leaves accountId out when the document has none', async () => {
    const { accountId: _, ...document } = DOCUMENT;
    const { baseUrl } = await startImds({ document: JSON.stringify(document) });
    expect(await readInstanceIdentity({ baseUrl })).not.toHaveProperty('accountId');
  });

  it('a token IMDS rejects (401) is a clear error', async () => {
    const { baseUrl } = await startImds({ acceptedToken: 'token-2' });
    await expect(readInstanceIdentity({ baseUrl })).rejects.toThrow(/rejected the IMDSv2 token .*HTTP 401/);
  });

  it('a refused token PUT says IMDS is disabled (403) or names the status', async () => {
    const forbidden = await startImds({ tokenMode: 403 });
    await expect(readInstanceIdentity({ baseUrl: forbidden.baseUrl })).rejects.toThrow(/HTTP 403.*disabled/);
    forbidden.imds.tokenMode = 405;
    await expect(readInstanceIdentity({ baseUrl: forbidden.baseUrl })).rejects.toThrow(/HTTP 405/);
  });

  it('a token PUT that never answers times out with the hop-limit hint', async () => {
    const { baseUrl } = await startImds({ tokenMode: 'hang' });
    const started = Date.now();
    await expect(readInstanceIdentity({ baseUrl, timeoutMs: 100 })).rejects.toThrow(
      /did not answer PUT \/latest\/api\/token within 100ms: not on EC2 or IMDS disabled.*hop limit/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an unreachable IMDS says "not on EC2 or IMDS disabled"', async () => {
    const { baseUrl } = await startImds();
    const srv = server;
    server = undefined;
    await new Promise((resolve) => srv?.close(resolve));
    await expect(readInstanceIdentity({ baseUrl })).rejects.toThrow(
      /IMDS unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): not on EC2 or IMDS disabled/,
    );
  });

  it('a document that is not JSON or lacks fields is an error', async () => {
    const notJson = await startImds({ document: '<html>' });
    await expect(readInstanceIdentity({ baseUrl: notJson.baseUrl })).rejects.toThrow(/not JSON/);
    notJson.imds.document = JSON.stringify({ instanceId: 'i-1' });
    await expect(readInstanceIdentity({ baseUrl: notJson.baseUrl })).rejects.toThrow(/lacks/);
  });

  it('refuses a MAC that is not one before building a path from it', async () => {
    const { baseUrl, imds } = await startImds({ mac: '../../user-data' });
    await expect(readInstanceIdentity({ baseUrl })).rejects.toThrow(/not a MAC address/);
    expect(imds.requests.filter((r) => r.includes('interfaces'))).toEqual([]);
  });

  it("the caller's abort wins over the IMDS error, with the caller's reason", async () => {
    const { baseUrl } = await startImds({ tokenMode: 'hang' });
    const controller = new AbortController();
    const reading = readInstanceIdentity({ baseUrl, signal: controller.signal, timeoutMs: 5000 });
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 20);
    await expect(reading).rejects.toBe(reason);
  });

  it('uses the fetch it is given', async () => {
    const urls: string[] = [];
    const fakeFetch = ((url: string) => {
      urls.push(url);
      return Promise.resolve(new Response('', { status: 403 }));
    }) as typeof fetch;
    await expect(readInstanceIdentity({ baseUrl: 'http://imds.test', fetch: fakeFetch })).rejects.toThrow(/403/);
    expect(urls).toEqual(['http://imds.test/latest/api/token']);
  });
});

const FULL_ENV = {
  CSGW_EC2_INSTANCE_ID: 'i-0abc123def4567890',
  CSGW_EC2_REGION: 'eu-west-1',
  CSGW_EC2_AZ: 'eu-west-1b',
  CSGW_EC2_AZ_ID: 'euw1-az3',
  CSGW_EC2_ENI_ID: 'eni-0f00ba11',
  CSGW_EC2_ACCOUNT_ID: '123456789012',
};

describe('identityFromOverrides', () => {
  it('undefined when no CSGW_EC2_* variable is set', () => {
    expect(identityFromOverrides({ PATH: '/usr/bin', CSGW_EC2_REGION: ' ' })).toBeUndefined();
  });

  it('builds the identity from all variables; the account id is optional', () => {
    expect(identityFromOverrides(FULL_ENV)).toStrictEqual(EXPECTED);
    const { CSGW_EC2_ACCOUNT_ID: _, ...withoutAccount } = FULL_ENV;
    expect(identityFromOverrides(withoutAccount)).not.toHaveProperty('accountId');
  });

  it('accepts local-zone and GovCloud shapes', () => {
    const env = {
      ...FULL_ENV,
      CSGW_EC2_REGION: 'us-gov-west-1',
      CSGW_EC2_AZ: 'us-gov-west-1-lax-1a',
      CSGW_EC2_AZ_ID: 'usgw1-lax1-az1',
    };
    expect(identityFromOverrides(env)?.availabilityZoneId).toBe('usgw1-lax1-az1');
  });

  it('names every missing variable when only some are set', () => {
    expect(() => identityFromOverrides({ CSGW_EC2_REGION: 'eu-west-1', CSGW_EC2_ACCOUNT_ID: '123456789012' })).toThrow(
      'missing CSGW_EC2_INSTANCE_ID, CSGW_EC2_AZ, CSGW_EC2_AZ_ID, CSGW_EC2_ENI_ID',
    );
  });

  it.each([
    ['CSGW_EC2_INSTANCE_ID', 'instance-1'],
    ['CSGW_EC2_INSTANCE_ID', 'i-XYZ'],
    ['CSGW_EC2_ENI_ID', 'eni-'],
    ['CSGW_EC2_ENI_ID', 'i-0f00ba11'],
    ['CSGW_EC2_REGION', 'eu-west'],
    ['CSGW_EC2_REGION', 'EU-WEST-1'],
    ['CSGW_EC2_AZ', 'eu-west-1'],
    ['CSGW_EC2_AZ_ID', 'euw1-3'],
    ['CSGW_EC2_AZ_ID', 'eu-west-1b'],
    ['CSGW_EC2_ACCOUNT_ID', '1234'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => identityFromOverrides({ ...FULL_ENV, [name]: value })).toThrow(`${name}=${value} is not like`);
  });

  it('rejects an AZ outside the region', () => {
    expect(() => identityFromOverrides({ ...FULL_ENV, CSGW_EC2_AZ: 'us-east-1a' })).toThrow(
      'CSGW_EC2_AZ=us-east-1a is not in CSGW_EC2_REGION=eu-west-1',
    );
  });
});

describe('resolveInstanceIdentity', () => {
  it('overrides win without touching IMDS', async () => {
    const { baseUrl, imds } = await startImds();
    expect(await resolveInstanceIdentity({ ...FULL_ENV, CSGW_EC2_AZ_ID: 'euw1-az1' }, { baseUrl })).toStrictEqual({
      ...EXPECTED,
      availabilityZoneId: 'euw1-az1',
    });
    expect(imds.requests).toEqual([]);
  });

  it('falls back to IMDS without overrides', async () => {
    const { baseUrl } = await startImds();
    expect(await resolveInstanceIdentity({}, { baseUrl })).toStrictEqual(EXPECTED);
  });

  it('invalid overrides fail rather than fall back', async () => {
    const { baseUrl, imds } = await startImds();
    await expect(resolveInstanceIdentity({ CSGW_EC2_REGION: 'eu-west-1' }, { baseUrl })).rejects.toThrow(/missing/);
    expect(imds.requests).toEqual([]);
  });
});
