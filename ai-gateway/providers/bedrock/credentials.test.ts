import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { assumeRoleCredentials, type AssumeRoleOptions } from './credentials.js';
import { BedrockProvider } from './provider.js';
import { startFakeBedrock, type FakeBedrock } from '../../../testing/fake-bedrock/fake-bedrock.js';

const ROLE = 'arn:aws:iam::123456789012:role/gw-cross-account-role7';
const SOURCE = { accessKeyId: 'AKIDSOURCEINSTANCE', secretAccessKey: 'source-secret' };

/** A fake STS answering AssumeRole (query protocol, XML), or AccessDenied when `deny` is set. */
interface FakeSts {
  url: string;
  bodies: URLSearchParams[];
  deny: boolean;
  expiresInMs: number;
  close(): Promise<void>;
}

async function startFakeSts(): Promise<FakeSts> {
  const sts: FakeSts = { url: '', bodies: [], deny: false, expiresInMs: 3_600_000, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      sts.bodies.push(new URLSearchParams(raw));
      if (sts.deny) {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/base/i-1 is not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>',
        );
        return;
      }
      const n = sts.bodies.length;
      const expiration = new Date(Date.now() + sts.expiresInMs).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED${n}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>token${n}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:csgw</AssumedRoleId><Arn>${ROLE}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r${n}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sts.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sts.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sts;
}

let sts: FakeSts;
let bedrock: FakeBedrock;

beforeAll(async () => {
  [sts, bedrock] = await Promise.all([startFakeSts(), startFakeBedrock()]);
});
afterEach(() => {
  sts.bodies = [];
  sts.deny = false;
  sts.expiresInMs = 3_600_000;
  bedrock.reset();
});
afterAll(async () => {
  await Promise.all([sts.close(), bedrock.close()]);
});

function options(overrides: Partial<AssumeRoleOptions> = {}): AssumeRoleOptions {
  return {
    roleArn: ROLE,
    region: 'us-east-1',
    externalId: 'ext-123',
    stsEndpoint: sts.url,
    sourceCredentials: SOURCE,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    ...overrides,
  };
}

describe('assumeRoleCredentials', () => {
  it('assumes the role with the external id once for concurrent callers, and keeps the session', async () => {
    const role = assumeRoleCredentials(options());
    const [a, b] = await Promise.all([role.provider(), role.provider()]);
    expect(a).toMatchObject({ accessKeyId: 'ASIAASSUMED1', sessionToken: 'token1' });
    expect(b).toEqual(a);
    expect(await role.provider()).toEqual(a);
    expect(sts.bodies).toHaveLength(1);
    expect(Object.fromEntries(sts.bodies[0]!)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      ExternalId: 'ext-123',
      RoleSessionName: 'csgw-ai-gateway',
    });
    role.close();
  });

  it('assumes again when the session is about to end', async () => {
    sts.expiresInMs = 60_000;
    const role = assumeRoleCredentials(options());
    expect((await role.provider()).accessKeyId).toBe('ASIAASSUMED1');
    expect((await role.provider()).accessKeyId).toBe('ASIAASSUMED2');
    role.close();
  });

  it("fails as CredentialsProviderError without repeating STS's text, and retries on the next call", async () => {
    sts.deny = true;
    const role = assumeRoleCredentials(options());
    const failure = await role.provider().catch((e: unknown) => e as Error);
    expect(failure).toMatchObject({ name: 'CredentialsProviderError' });
    expect((failure as Error).message).not.toContain('assumed-role/base');
    sts.deny = false;
    expect((await role.provider()).accessKeyId).toMatch(/^ASIAASSUMED/);
    role.close();
  });
});

describe('BedrockProvider with roleArn', () => {
  it('signs Bedrock calls with the assumed role, never the source credentials', async () => {
    const provider = new BedrockProvider(
      { name: 'bedrock', type: 'bedrock', baseUrl: bedrock.url, region: 'us-east-1', roleArn: ROLE, maxSockets: 2 },
      { credentials: SOURCE, externalId: 'ext-123', stsEndpoint: sts.url },
    );
    const ctx = { signal: new AbortController().signal, requestId: 'r' };
    const attempt = await provider.chat(
      { model: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: 'hi' }] },
      ctx,
    );
    expect(attempt.ok).toBe(true);
    const auth = String(bedrock.last('converse')?.headers.authorization);
    expect(auth).toContain('Credential=ASIAASSUMED1/');
    expect(bedrock.last('converse')?.headers['x-amz-security-token']).toBe('token1');
    sts.deny = true;
    const unassumable = new BedrockProvider(
      { name: 'b2', type: 'bedrock', baseUrl: bedrock.url, region: 'us-east-1', roleArn: ROLE, maxSockets: 2 },
      { credentials: SOURCE, stsEndpoint: sts.url },
    );
    const denied = await unassumable.chat(
      { model: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: 'hi' }] },
      ctx,
    );
    expect(denied).toMatchObject({ ok: false, failure: { status: 502, retryable: true } });
    expect(bedrock.count()).toBe(1);
    provider.close();
    unassumable.close();
  });
});
