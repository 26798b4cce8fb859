// IAM statement building blocks shared by the instance role's and the operational roles' policies.
import { FENCING_TAGS } from '../lease/fencing.js';
import type { OperationalRoleNumber, Partition } from './operational-role.js';

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource?: string | string[];
  Principal?: { AWS: string[] };
  Condition?: ConditionBlock;
}

/** CreateTags may only write the fencing tags, never other tags of the resource. */
export function fencingTagKeys(): ConditionBlock {
  return { 'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(FENCING_TAGS) } };
}

export function allow(
  sid: string,
  actions: string[],
  resource: string | string[],
  condition?: ConditionBlock,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  };
}

export function dnsSuffix(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

export interface Arns {
  partition: Partition;
  region: string;
  /** arn:...:ssm:...:parameter<path> (paths start with /). */
  parameter(path: string): string;
  /** Every resource of one EC2 type in the account and region. */
  ec2(type: string): string;
  /** arn:<partition>:<service>:<region>:<account>:<resource>. */
  service(service: string, resource: string): string;
  /** The Auto Scaling groups whose names start with `<name>-`. */
  autoScalingGroups(name: string): string;
}

export function arnBuilder(partition: Partition, region: string, accountId: string): Arns {
  const service = (svc: string, resource: string): string =>
    `arn:${partition}:${svc}:${region}:${accountId}:${resource}`;
  return {
    partition,
    region,
    parameter: (path) => service('ssm', `parameter${path}`),
    ec2: (type) => service('ec2', `${type}/*`),
    service,
    autoScalingGroups: (name) => service('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}-*`),
  };
}

export type RoleStatements = (arns: Arns, name: string) => PolicyStatement[];

/**
 * Each operational role's permissions. Roles 1 and 7 serve built features, role 3 the LoadBalancer kind's reads and
 * role 4 the TlsTermination kind's certificate export; the rest serves planned features with the smallest set their
 * documented purpose needs, scoped to `<name>-` resources where the service names them.
 */
export const ROLE_PERMISSIONS: Readonly<Record<OperationalRoleNumber, RoleStatements>> = {
  1: (a) => [
    allow('DescribeRouteTables', ['ec2:DescribeRouteTables'], '*'),
    allow('PointRoutesAtGateway', ['ec2:CreateRoute', 'ec2:ReplaceRoute'], a.ec2('route-table')),
    allow('FencingTags', ['ec2:CreateTags'], a.ec2('route-table'), fencingTagKeys()),
  ],
  2: (a) => [
    allow(
      'DescribeTopology',
      ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeVpcPeeringConnections'],
      '*',
    ),
    allow(
      'Peering',
      ['ec2:CreateVpcPeeringConnection', 'ec2:AcceptVpcPeeringConnection'],
      [a.ec2('vpc'), a.ec2('vpc-peering-connection')],
    ),
  ],
  3: (a, name) => [
    allow(
      'Describe',
      [
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
        'autoscaling:DescribeAutoScalingGroups',
        // LoadBalancer: instance targets are resolved to their private addresses.
        'ec2:DescribeInstances',
      ],
      '*',
    ),
    // Target group names allow only 32 characters, too few for `<name>-`: scoped to the account instead.
    allow(
      'GatewayTargets',
      ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      a.service('elasticloadbalancing', 'targetgroup/*/*'),
    ),
    allow(
      'PerAzScaling',
      ['autoscaling:SetDesiredCapacity', 'autoscaling:UpdateAutoScalingGroup'],
      a.autoScalingGroups(name),
    ),
  ],
  4: (a) => [
    allow('Describe', ['ec2:DescribeAddresses', 'acm:ListCertificates', 'route53:ListHostedZones'], '*'),
    allow('PoolRecords', ['route53:ChangeResourceRecordSets'], `arn:${a.partition}:route53:::hostedzone/*`, {
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'] },
    }),
    allow('ReadRecords', ['route53:ListResourceRecordSets'], `arn:${a.partition}:route53:::hostedzone/*`),
    allow('WaitForChanges', ['route53:GetChange'], `arn:${a.partition}:route53:::change/*`),
    allow('ExportCertificate', ['acm:DescribeCertificate', 'acm:ExportCertificate'], a.service('acm', 'certificate/*')),
  ],
  5: (a, name) => [
    allow('DescribeFlowLogs', ['ec2:DescribeFlowLogs'], '*'),
    allow('FlowLogs', ['ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs'], [a.ec2('vpc'), a.ec2('vpc-flow-log')]),
    allow(
      'EventRules',
      ['events:DescribeRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:DeleteRule'],
      a.service('events', `rule/${name}-*`),
    ),
    allow(
      'EventQueues',
      [
        'sqs:CreateQueue',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
      ],
      a.service('sqs', `${name}-*`),
    ),
  ],
  6: (a, name) => [
    allow(
      'Describe',
      [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'ec2:DescribeInstances',
        'ec2:DescribeSpotInstanceRequests',
      ],
      '*',
    ),
    allow(
      'Lifecycle',
      [
        'autoscaling:CompleteLifecycleAction',
        'autoscaling:RecordLifecycleActionHeartbeat',
        'autoscaling:SetInstanceHealth',
      ],
      a.autoScalingGroups(name),
    ),
    allow('Teardown', ['ec2:TerminateInstances'], a.ec2('instance'), {
      StringLike: { 'aws:ResourceTag/aws:autoscaling:groupName': `${name}-*` },
    }),
  ],
  // The local vLLM runs on the instance and needs no AWS permission. Converse and ConverseStream are authorised as
  // InvokeModel and InvokeModelWithResponseStream. A cross-region inference profile (`us.anthropic...`) routes to
  // the foundation model in another region of its geography, so foundation models are allowed in every region.
  7: (a) => [
    allow('ListModels', ['bedrock:ListFoundationModels'], '*'),
    allow(
      'InvokeModels',
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      [`arn:${a.partition}:bedrock:*::foundation-model/*`, a.service('bedrock', 'inference-profile/*')],
    ),
  ],
};
