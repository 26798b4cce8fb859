// Drives the fake ELBv2 with the real @aws-sdk/client-elastic-load-balancing-v2 through adapters/aws/elbv2.ts, so its
// XML and errors are what the SDK parses.
import { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createElbv2Adapter } from '../../adapters/aws/elbv2.js';
import type { Elbv2Port } from '../../runtime/aws/api-ports.js';
import { Elbv2Model } from './model.js';
import { FakeElbv2Server, type ReceivedCall } from './server.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const EMPTY = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/empty/fedcba9876543210';
const GONE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/00000000000000aa';

let server: FakeElbv2Server;
let url: string;
let elbv2: ElasticLoadBalancingV2Client;
let port: Elbv2Port;
const clientRegions: string[] = [];

beforeEach(async () => {
  server = new FakeElbv2Server(
    new Elbv2Model({
      targetGroups: [
        {
          targetGroupArn: ARN,
          targets: [
            { id: '10.0.1.10', port: 8080, state: 'healthy', availabilityZone: 'us-east-1a' },
            { id: '10.0.1.11', port: 8080, state: 'draining', reason: 'Target.DeregistrationInProgress' },
          ],
        },
        { targetGroupArn: EMPTY, targets: [] },
      ],
    }),
  );
  url = await server.listen();
  // One attempt: an injected throttling error must reach the test, not be retried away.
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  elbv2 = new ElasticLoadBalancingV2Client({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  // ip targets never reach EC2: an unreachable endpoint proves it.
  const ec2 = new EC2Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials, maxAttempts: 1 });
  clientRegions.length = 0;
  port = createElbv2Adapter((region, accountId) => {
    clientRegions.push(`${region}/${accountId}`);
    return { elbv2, ec2 };
  });
});

afterEach(async () => {
  elbv2.destroy();
  await server.close();
});

const signal = (): AbortSignal => AbortSignal.timeout(5_000);

async function control(path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('fake ELBv2 through the real SDK and the adapter', () => {
  it('answers DescribeTargetHealth with each ip target, its state, reason and zone', async () => {
    await expect(port.describeTargetHealth(ARN, signal())).resolves.toEqual([
      { address: '10.0.1.10', port: 8080, state: 'healthy', availabilityZone: 'us-east-1a' },
      { address: '10.0.1.11', port: 8080, state: 'draining', reason: 'Target.DeregistrationInProgress' },
    ]);
    expect(clientRegions).toEqual(['us-east-1/123456789012']);
    const calls = (await control('/_calls')).json as ReceivedCall[];
    expect(calls.map((c) => [c.action, c.params.TargetGroupArn])).toEqual([['DescribeTargetHealth', ARN]]);
  });

  it('answers an empty group with no targets, and an unknown one with TargetGroupNotFound (inert)', async () => {
    await expect(port.describeTargetHealth(EMPTY, signal())).resolves.toEqual([]);
    await expect(port.describeTargetHealth(GONE, signal())).rejects.toMatchObject({
      reason: 'TargetGroupNotFound',
      inert: true,
      message: expect.stringContaining('TargetGroupNotFoundException'),
    });
  });

  it('maps injected AccessDenied and Throttling as the adapter promises', async () => {
    expect(await control('/_fail', { action: 'DescribeTargetHealth', code: 'AccessDenied' })).toMatchObject({
      status: 200,
    });
    await expect(port.describeTargetHealth(ARN, signal())).rejects.toMatchObject({
      reason: 'MissingPermission',
      inert: true,
    });
    await control('/_fail', { action: 'DescribeTargetHealth', code: 'Throttling', count: 1 });
    await expect(port.describeTargetHealth(ARN, signal())).rejects.toMatchObject({ reason: 'Throttled', inert: false });
    await expect(port.describeTargetHealth(ARN, signal())).resolves.toHaveLength(2);
  });

  it('sets registration and health at once through POST /_targets, and shows it in /_state', async () => {
    const group = {
      targetGroupArn: ARN,
      targets: [{ id: '10.0.1.12', port: 80, state: 'unhealthy', reason: 'Target.Timeout' }],
    };
    expect((await control('/_targets', group)).status).toBe(200);
    await expect(port.describeTargetHealth(ARN, signal())).resolves.toEqual([
      { address: '10.0.1.12', port: 80, state: 'unhealthy', reason: 'Target.Timeout' },
    ]);
    expect((await control('/_state')).json).toMatchObject({
      targetGroups: [group, { targetGroupArn: EMPTY, targets: [] }],
    });
  });

  it('refuses malformed control bodies with the reason, changing nothing', async () => {
    const bad = [
      { targetGroupArn: 'arn:aws:s3:::bucket', targets: [] },
      { targetGroupArn: ARN, targets: [{ id: '10.0.1.1</Id>', port: 80, state: 'healthy' }] },
      { targetGroupArn: ARN, targets: [{ id: '10.0.1.1', port: 0, state: 'healthy' }] },
      { targetGroupArn: ARN, targets: [{ id: '10.0.1.1', port: 80, state: 'sleepy' }] },
      { targetGroupArn: ARN, targets: [{ id: '10.0.1.1', port: 80, state: 'healthy', reason: '<x/>' }] },
    ];
    for (const body of bad) {
      const res = await control('/_targets', body);
      expect(res).toMatchObject({ status: 400, json: { error: expect.any(String) } });
    }
    expect((await control('/_fail', { action: 'DeleteTargetGroup', code: 'AccessDenied' })).status).toBe(400);
    await expect(port.describeTargetHealth(ARN, signal())).resolves.toHaveLength(2);
  });

  it('refuses ALB and Lambda targets in the adapter: an L4 balancer cannot forward to them', async () => {
    const lambda = 'arn:aws:lambda:us-east-1:123456789012:function:f';
    await control('/_targets', { targetGroupArn: ARN, targets: [{ id: lambda, port: 1, state: 'healthy' }] });
    await expect(port.describeTargetHealth(ARN, signal())).rejects.toMatchObject({
      reason: 'UnsupportedTargetType',
      inert: true,
    });
  });

  it('answers asked-about targets that are not registered as unused, as ELBv2 does', async () => {
    const out = await elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: ARN,
        Targets: [{ Id: '10.0.1.10' }, { Id: '10.9.9.9', Port: 80 }],
      }),
    );
    expect(
      out.TargetHealthDescriptions?.map((d) => [d.Target?.Id, d.TargetHealth?.State, d.TargetHealth?.Reason]),
    ).toEqual([
      ['10.0.1.10', 'healthy', undefined],
      ['10.9.9.9', 'unused', 'Target.NotRegistered'],
    ]);
  });
});
