import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { Ec2Model } from '../lab/fake-ec2/model.js';
import { FakeEc2Server } from '../lab/fake-ec2/server.js';
import { encodeLeaseRecord } from '../runtime/lease/record.js';
import { runCsgw } from '../testing/cli-harness.js';

// csgw diff with an EC2 identity: the SDK reads its endpoint and credentials from process.env, so this file sets
// them for the fake EC2 server it starts, and restores them after.
const ENI = 'eni-0123456789abcdef0';
const IDENTITY = {
  CSGW_EC2_INSTANCE_ID: 'i-0123456789abcdef0',
  CSGW_EC2_REGION: 'us-east-1',
  CSGW_EC2_AZ: 'us-east-1a',
  CSGW_EC2_AZ_ID: 'use1-az1',
  CSGW_EC2_ENI_ID: ENI,
};
const AWS_ENV = ['AWS_ENDPOINT_URL_EC2', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

let dir: string;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;
let ec2: FakeEc2Server;
const saved: Partial<Record<(typeof AWS_ENV)[number], string>> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-diff-'));
  ssm = await startEmbeddedSsm({ dataDir: join(dir, 'ssm') });
  client = new SSMClient({
    region: 'us-east-1',
    endpoint: ssm.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  ec2 = new FakeEc2Server(
    new Ec2Model({
      addresses: [{ allocationId: 'eipalloc-0123456789abcdef0', publicIp: '198.51.100.7', tags: {} }],
      networkInterfaces: [
        {
          networkInterfaceId: ENI,
          sourceDestCheck: true,
          availabilityZone: 'us-east-1a',
          subnetId: 'subnet-1',
          vpcId: 'vpc-1',
          tags: {},
        },
      ],
    }),
  );
  const url = await ec2.listen();
  for (const key of AWS_ENV) saved[key] = process.env[key];
  Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
  await put('/cloudspectra/default/spec/elasticips/master', '{"allocationId":"eipalloc-0123456789abcdef0"}');
});

afterAll(async () => {
  for (const key of AWS_ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  client.destroy();
  await ec2.close();
  await ssm.close();
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, value: string): Promise<void> {
  await client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
}

function diff(): ReturnType<typeof runCsgw> {
  // A namespace that does not exist keeps SourceNat off the host: it has no resource, so it is converged anyway.
  return runCsgw(['--endpoint-url', ssm.url, 'diff', '--imds', 'off', '--netns', 'csgw-no-such-ns'], {
    env: { ...IDENTITY, HOME: dir },
  });
}

describe('csgw diff on a cluster member', () => {
  it('plans the leader’s moves when nobody holds the lease (this instance may take it)', async () => {
    const run = await diff();
    expect(run.stdout).toContain(`ElasticIp: would associate 198.51.100.7 (eipalloc-0123456789abcdef0) with ${ENI}`);
    expect(run.code).toBe(1);
    expect(ec2.calls.map((c) => c.action)).not.toContain('AssociateAddress'); // diff never writes
  });

  it('shows standby, not the leader’s plan, while another instance holds the lease', async () => {
    const record = { holder: 'i-0fedcba9876543210', epoch: 1, basedOn: 0, writeId: 'w/1/1', leaseDurationMs: 3000 };
    await put(
      '/cloudspectra/default/leases/cluster',
      encodeLeaseRecord({ ...record, released: false, acquireTime: '', renewTime: '' }),
    );
    const run = await diff();
    expect(run.stdout).toContain('ElasticIp: standby (the cluster lease is held by i-0fedcba9876543210)');
    expect(run.stdout).toContain('SourceDestCheck: converged (no resource)');
    expect(run.code).toBe(0);
  });
});
