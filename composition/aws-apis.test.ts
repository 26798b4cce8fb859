import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ACMClient } from '@aws-sdk/client-acm';
import type { OperationalCredentials } from '../adapters/aws/sts-credentials.js';
import { Elbv2Model } from '../lab/fake-elbv2/model.js';
import { FakeElbv2Server } from '../lab/fake-elbv2/server.js';
import type { AcmPort } from '../runtime/aws/api-ports.js';
import { createAwsApis, type AcmClientFor } from './aws-apis.js';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/web/0123456789abcdef';
const CERT = 'arn:aws:acm:eu-west-1:210987654321:certificate/11111111-2222-3333-4444-555555555555';
const timeouts = { connectMs: 1_000, requestMs: 2_000 };
const signal = (): AbortSignal => AbortSignal.timeout(5_000);
const SDK_ENV = ['AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

let server: FakeElbv2Server;
let url: string;
let saved: Record<string, string | undefined>;

beforeEach(async () => {
  server = new FakeElbv2Server(
    new Elbv2Model({
      targetGroups: [{ targetGroupArn: ARN, targets: [{ id: '10.0.0.1', port: 80, state: 'healthy' }] }],
    }),
  );
  url = await server.listen();
  saved = Object.fromEntries(SDK_ENV.map((k) => [k, process.env[k]]));
});

afterEach(async () => {
  for (const k of SDK_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server.close();
});

/** Records which feature and account each client asked credentials for, and when they were used. */
function fakeCredentials(): OperationalCredentials & { asked: string[]; used: string[] } {
  const asked: string[] = [];
  const used: string[] = [];
  return {
    asked,
    used,
    forFeature(feature, accountId) {
      asked.push(`${feature}@${accountId}`);
      return () => {
        used.push(`${feature}@${accountId}`);
        return Promise.resolve({ accessKeyId: 'role', secretAccessKey: 'role', sessionToken: 'role' });
      };
    },
  };
}

/** An AcmPort factory that only keeps the clientFor it was given. */
function capturingAcm(): { factory: (c: AcmClientFor) => AcmPort; clientFor: () => AcmClientFor } {
  let captured: AcmClientFor | undefined;
  const fail = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    factory: (c) => ((captured = c), { describeCertificate: fail, exportCertificate: fail }),
    clientFor: () =>
      captured ??
      ((): never => {
        throw new Error('no clientFor');
      })(),
  };
}

describe('createAwsApis', () => {
  it('without an EC2 identity or endpoints, fails every call inert and says what is missing', async () => {
    const apis = createAwsApis({ noIdentity: 'no EC2 identity: IMDS is off', env: {} }, { timeouts });
    await expect(apis.elbv2.describeTargetHealth(ARN, signal())).rejects.toMatchObject({
      reason: 'AwsApiUnavailable',
      inert: true,
      message: expect.stringContaining('AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2'),
    });
    await expect(apis.acm.describeCertificate(CERT, signal())).rejects.toMatchObject({
      reason: 'AwsApiUnavailable',
      message: expect.stringMatching(/^no EC2 identity: IMDS is off, and no ACM endpoint/),
    });
  });

  it('without an EC2 identity, reads the ELBv2 endpoint given the SDK way, with the default credentials', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'lab', AWS_SECRET_ACCESS_KEY: 'lab' });
    const env = { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: url };
    const apis = createAwsApis({ noIdentity: 'no EC2 identity', env }, { timeouts });
    await expect(apis.elbv2.describeTargetHealth(ARN, signal())).resolves.toEqual([
      { address: '10.0.0.1', port: 80, state: 'healthy' },
    ]);
    expect(server.calls).toHaveLength(1);
  });

  it('without an EC2 identity, gives ACM one client at AWS_ENDPOINT_URL in AWS_REGION', async () => {
    const acm = capturingAcm();
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'ap-south-1' };
    createAwsApis({ noIdentity: 'no EC2 identity', env }, { timeouts, acmAdapter: acm.factory });
    const client: ACMClient = acm.clientFor()('eu-west-1', '210987654321');
    await expect(client.config.region()).resolves.toBe('ap-south-1');
    expect((await client.config.endpoint?.())?.hostname).toBe('127.0.0.1');
  });

  it('with an identity but no operational role, never uses other credentials', async () => {
    const apis = createAwsApis({ unconfigured: 'operational role not configured' }, { timeouts });
    await expect(apis.elbv2.describeTargetHealth(ARN, signal())).rejects.toMatchObject({
      reason: 'AwsApiUnavailable',
      inert: true,
      message: 'operational role not configured',
    });
    expect(server.calls).toHaveLength(0);
  });

  it("signs with the operational role of each feature in the ARN's account, one client per account", async () => {
    // The SDK itself reads the service endpoint variable: how the e2e points operational clients at fakes.
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = url;
    const credentials = fakeCredentials();
    const acm = capturingAcm();
    const apis = createAwsApis({ operational: credentials }, { timeouts, acmAdapter: acm.factory });
    await apis.elbv2.describeTargetHealth(ARN, signal());
    await apis.elbv2.describeTargetHealth(ARN, signal());
    expect(credentials.asked).toEqual(['load-balancer@210987654321']);
    expect(credentials.used).toContain('load-balancer@210987654321');
    const client = acm.clientFor()('eu-west-1', '210987654321');
    expect(acm.clientFor()('eu-west-1', '210987654321')).toBe(client);
    await expect(client.config.region()).resolves.toBe('eu-west-1');
    expect(credentials.asked).toEqual(['load-balancer@210987654321', 'tls-termination@210987654321']);
  });

  it('wires the ACM adapter by default: a malformed ARN is refused before any credentials are asked for', async () => {
    const credentials = fakeCredentials();
    const apis = createAwsApis({ operational: credentials }, { timeouts });
    await expect(apis.acm.exportCertificate('arn:aws:acm:nowhere', signal())).rejects.toMatchObject({
      reason: 'InvalidCertificateArn',
    });
    expect(credentials.asked).toEqual([]);
  });
});
