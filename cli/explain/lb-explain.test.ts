import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../../embedded-ssm/index.js';
import { gatewayPaths, statusPath } from '../../runtime/paths.js';
import type { InstanceStatus } from '../../runtime/status-types.js';
import { runCsgw } from '../../testing/cli-harness.js';

const PREFIX = '/csgw-explain-lb';
const GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';
const MANIFESTS = `
kind: LoadBalancer
name: web
spec:
  listener: { port: 80 }
  targets: { targetGroupArn: ${GROUP} }
---
kind: LoadBalancer
name: api
spec:
  listener: { port: 8443 }
  scheduler: sh
  targets: { static: [{ address: 10.0.1.5, weight: 3 }, { address: 10.0.1.6, weight: 4 }] }
---
kind: LoadBalancer
name: clash
spec:
  listener: { port: 80, address: 10.0.0.10 }
  targets: { static: [{ address: 10.0.1.7 }] }
`;

/** What an instance on the nftables path publishes for `web`: one healthy member, one draining. */
const STATUS: InstanceStatus = {
  instanceId: 'i-0abc',
  gateway: 'default',
  operatorVersion: 'test',
  updatedAt: '2024-05-01T12:00:00.000Z',
  controllers: {
    LoadBalancer: {
      kind: 'LoadBalancer',
      phase: 'waiting',
      conditions: [],
      details: {
        mechanism: 'nftables',
        services: [
          {
            name: 'web',
            generation: 1,
            targets: [
              { address: '10.0.2.1', port: 80, health: 'healthy', weight: 1, state: 'active' },
              {
                address: '10.0.2.2',
                port: 80,
                health: 'draining',
                weight: 0,
                state: 'draining since 2024-05-01T11:59:00.000Z',
              },
            ],
          },
        ],
      },
    },
  },
};

let tmp: string;
let file: string;
let ssm: EmbeddedSsmHandle;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-explain-lb-'));
  file = join(tmp, 'lb.yaml');
  await writeFile(file, MANIFESTS);
  ssm = await startEmbeddedSsm({ dataDir: join(tmp, 'ssm') });
});

afterAll(async () => {
  await ssm.close();
  await rm(tmp, { recursive: true, force: true });
});

const toGateway = ['--src', '127.0.0.2', '--dst', '10.0.0.10', '--to-gateway', '--dport'];

describe('csgw explain: the LoadBalancer step', () => {
  it('names the sh target from manifests, and warns about the listener another resource claimed', async () => {
    const run = await runCsgw(['explain', '-f', file, ...toGateway, '8443'], { env: { HOME: tmp } });
    expect(run.stdout).toContain(
      'dnat:    to 10.0.1.6:8443 by LoadBalancer/api (jhash ip saddr mod 7 = 5, client address kept)\n',
    );
    expect(run.stdout).toContain('verdict: ALLOW (forwarded to 10.0.1.6:8443)\n');
    expect(run.stderr).toMatch(
      /warning: LoadBalancer\/clash generation 1 rejected: spec.listener: TCP 10.0.0.10:80 is already claimed by LoadBalancer\/web/,
    );
    expect(run.code).toBe(0);
  });

  it('says the members of a target group are known only to the operator without status', async () => {
    const run = await runCsgw(['explain', '-f', file, ...toGateway, '80', '-o', 'json'], { env: { HOME: tmp } });
    expect(JSON.parse(run.stdout)).toMatchObject({
      lb: { hit: true, targetsFrom: 'unknown', pick: { kind: 'unknown' } },
      targets: [],
    });
  });

  it('refuses an unknown --lb-path', async () => {
    const run = await runCsgw(['explain', '-f', file, ...toGateway, '80', '--lb-path', 'xdp'], { env: { HOME: tmp } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--lb-path: xdp is not ipvs or nftables');
  });

  it('reads the members an instance published in SSM', async () => {
    const ssmArgs = ['--endpoint-url', ssm.url, '--prefix', PREFIX];
    expect((await runCsgw([...ssmArgs, 'apply', '-f', file], { env: { HOME: tmp } })).code).toBe(0);
    const client = new SSMClient({
      region: 'us-east-1',
      endpoint: ssm.url,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const name = statusPath(gatewayPaths(PREFIX, 'default'), STATUS.instanceId);
    await client.send(
      new PutParameterCommand({ Name: name, Value: JSON.stringify(STATUS), Type: 'String', Overwrite: true }),
    );
    client.destroy();
    const run = await runCsgw([...ssmArgs, 'explain', ...toGateway, '80'], { env: { HOME: tmp } });
    expect(run.stdout).toContain(
      'lb:      LoadBalancer/web TCP *:80, nftables path (from status), scheduler rr; targets from status of i-0abc (2024-05-01T12:00:00.000Z): 10.0.2.1:80 w1\n',
    );
    expect(run.stdout).toContain('verdict: ALLOW (forwarded to 10.0.2.1:80)\n');
    const other = await runCsgw([...ssmArgs, 'explain', ...toGateway, '80', '--instance', 'i-other'], {
      env: { HOME: tmp },
    });
    expect(other.stderr).toContain('warning: instance i-other reports no LoadBalancer status');
  });
});
