import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ControllerError } from '../../runtime/controller.js';
import { createElbv2Adapter } from './elbv2.js';

const elbMock = mockClient(ElasticLoadBalancingV2Client);
const ec2Mock = mockClient(EC2Client);
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/web/0123456789abcdef';
const signal = new AbortController().signal;
let asked: string[];

const adapter = () =>
  createElbv2Adapter((region, accountId) => {
    asked.push(`${region}/${accountId}`);
    return { elbv2: new ElasticLoadBalancingV2Client({ region }), ec2: new EC2Client({ region }) };
  });

const described = (id: string, port: number, State: string, Reason?: string): TargetHealthDescription => ({
  Target: { Id: id, Port: port },
  TargetHealth: { State: State as 'healthy', ...(Reason ? { Reason: Reason as 'Target.Timeout' } : {}) },
});

const instance = (id: string, ip?: string) => ({ InstanceId: id, ...(ip ? { PrivateIpAddress: ip } : {}) });

beforeEach(() => {
  elbMock.reset();
  ec2Mock.reset();
  asked = [];
});

describe('createElbv2Adapter', () => {
  it('picks the clients by the ARN and passes the signal', async () => {
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    await expect(adapter().describeTargetHealth(ARN, signal)).resolves.toEqual([]);
    expect(asked).toEqual(['eu-west-1/210987654321']);
    expect(elbMock.calls()[0]?.args[0].input).toEqual({ TargetGroupArn: ARN });
    expect((elbMock.calls()[0]?.args as unknown[])[1]).toEqual({ abortSignal: signal });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('resolves instance targets to their private addresses in one filtered call, dropping gone instances', async () => {
    elbMock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        described('i-0aaaaaaaaaaaaaaa1', 80, 'healthy'),
        described('i-0aaaaaaaaaaaaaaa1', 81, 'unhealthy.draining', 'Target.DeregistrationInProgress'),
        described('i-0bbbbbbbbbbbbbbb2', 80, 'unused', 'Target.NotInUse'),
        described('i-0ccccccccccccccc3', 80, 'healthy'),
        described('10.0.0.9', 443, 'something-new'),
      ],
    });
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [instance('i-0aaaaaaaaaaaaaaa1', '10.0.1.1'), instance('i-0bbbbbbbbbbbbbbb2', '10.0.1.2')] },
        { Instances: [instance('i-0ccccccccccccccc3')] },
      ],
    });
    await expect(adapter().describeTargetHealth(ARN, signal)).resolves.toEqual([
      { address: '10.0.1.1', port: 80, state: 'healthy', targetId: 'i-0aaaaaaaaaaaaaaa1' },
      {
        address: '10.0.1.1',
        port: 81,
        state: 'draining',
        reason: 'Target.DeregistrationInProgress',
        targetId: 'i-0aaaaaaaaaaaaaaa1',
      },
      { address: '10.0.1.2', port: 80, state: 'unused', reason: 'Target.NotInUse', targetId: 'i-0bbbbbbbbbbbbbbb2' },
      // An unknown future state is not taken for healthy.
      { address: '10.0.0.9', port: 443, state: 'unavailable' },
    ]);
    expect(ec2Mock.calls().map((c) => c.args[0].input)).toEqual([
      {
        Filters: [
          { Name: 'instance-id', Values: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'] },
        ],
      },
    ]);
  });

  it('batches DescribeInstances 200 ids at a time', async () => {
    const ids = Array.from({ length: 450 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    elbMock
      .on(DescribeTargetHealthCommand)
      .resolves({ TargetHealthDescriptions: ids.map((id) => described(id, 80, 'healthy')) });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(adapter().describeTargetHealth(ARN, signal)).resolves.toEqual([]);
    const sizes = ec2Mock
      .calls()
      .map((c) => (c.args[0].input as { Filters: { Values: string[] }[] }).Filters[0]!.Values.length);
    expect(sizes).toEqual([200, 200, 50]);
  });

  it.each([
    ['arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/a/0123456789abcdef', /ALB or Lambda/],
    ['2001:db8::1', /IPv4 and instances only/],
  ])('refuses target %s as UnsupportedTargetType', async (id, message) => {
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [described(id, 80, 'healthy')] });
    await expect(adapter().describeTargetHealth(ARN, signal)).rejects.toMatchObject({
      reason: 'UnsupportedTargetType',
      inert: true,
      message: expect.stringMatching(message),
    });
  });

  it('refuses a malformed ARN without calling AWS', async () => {
    await expect(adapter().describeTargetHealth('arn:aws:s3:::b', signal)).rejects.toMatchObject({
      reason: 'InvalidTargetGroupArn',
      inert: true,
    });
    expect(asked).toEqual([]);
  });

  it('maps DescribeInstances failures like every EC2 call, and passes credential errors through', async () => {
    elbMock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [described('i-0aaaaaaaaaaaaaaa1', 80, 'healthy')],
    });
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(
        new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'secret' }),
      );
    const err = await adapter()
      .describeTargetHealth(ARN, signal)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'MissingPermission', inert: true });
    expect((err as Error).message).not.toContain('secret');
    const role = new ControllerError('OperationalRoleUnavailable', 'AssumeRole failed', true);
    elbMock.on(DescribeTargetHealthCommand).rejects(role);
    await expect(adapter().describeTargetHealth(ARN, signal)).rejects.toBe(role);
  });
});
