import { describe, expect, it } from '@jest/globals';
import { runCsgw, type CliRun } from '../../testing/cli-harness.js';
import type { PolicyDocument } from '../../runtime/aws/iam-policy.js';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/gw-prod/8f3e2a1b-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const NAME = 'cloudspectra-gw-prod-8f3e2a1b';

function policy(...argv: string[]): Promise<CliRun> {
  return runCsgw(['iam', 'policy', '--manager-stack-id', STACK_ID, ...argv]);
}

function parsed(run: CliRun): unknown {
  expect(run).toMatchObject({ code: 0, stderr: expect.any(String) });
  return JSON.parse(run.stdout) as unknown;
}

describe('csgw iam policy', () => {
  it('prints every role keyed by name, with its metadata and documents', async () => {
    const all = parsed(await policy()) as Record<string, { role: unknown; status: string; trust?: PolicyDocument }>;
    expect(Object.keys(all)).toEqual([
      `${NAME}-instance`,
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => `${NAME}-cross-account-role${n}`),
    ]);
    expect(all[`${NAME}-cross-account-role1`]).toMatchObject({ role: 1, status: 'active', features: ['az-routes'] });
    expect(all[`${NAME}-cross-account-role2`]).toMatchObject({ role: 2, status: 'planned' });
    expect(all[`${NAME}-cross-account-role3`]).toMatchObject({
      role: 3,
      status: 'active',
      features: ['gateway-load-balancer', 'load-balancer'],
    });
    expect(all[`${NAME}-instance`]?.trust).toBeUndefined();
  });

  it('prints the bare permission policy of one feature, from the stack region and account', async () => {
    const run = await policy('--feature', 'az-routes');
    const doc = parsed(run) as PolicyDocument;
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['DescribeRouteTables', 'PointRoutesAtGateway', 'FencingTags']);
    expect(doc.Statement[1]?.Resource).toBe('arn:aws:ec2:us-east-1:123456789012:route-table/*');
    expect(run.stderr).toBe('');
  });

  it('honours --region, --account-id and the SSM paths of --prefix/--gateway', async () => {
    const run = await runCsgw([
      '--region',
      'eu-west-1',
      '--prefix',
      '/acme',
      '--gateway',
      'edge',
      'iam',
      'policy',
      '--manager-stack-id',
      STACK_ID,
      '--feature',
      'source-nat',
    ]);
    const doc = parsed(run) as PolicyDocument;
    expect(doc.Statement.find((s) => s.Sid === 'WriteStatus')?.Resource).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/acme/edge/status/*',
    );
    const member = parsed(await policy('--feature', 'az-routes', '--account-id', '210987654321')) as PolicyDocument;
    expect(member.Statement[1]?.Resource).toBe('arn:aws:ec2:us-east-1:210987654321:route-table/*');
  });

  it('lets the instance role long-poll and delete from its own change-event queue, and no other queue', async () => {
    const run = await runCsgw([
      '--region',
      'eu-west-1',
      'iam',
      'policy',
      '--manager-stack-id',
      STACK_ID,
      '--feature',
      'source-nat',
    ]);
    const doc = parsed(run) as PolicyDocument;
    expect(doc.Statement.find((s) => s.Sid === 'ChangeEvents')).toEqual({
      Sid: 'ChangeEvents',
      Effect: 'Allow',
      Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      Resource: 'arn:aws:sqs:eu-west-1:123456789012:csgw-changes-*',
    });
    expect(doc.Statement.filter((s) => s.Action.some((a) => a.startsWith('sqs:'))).map((s) => s.Sid)).toEqual([
      'ChangeEvents',
    ]);
  });

  it('prints a trust policy with the external id placeholder, trusting the home account', async () => {
    const doc = parsed(
      await policy(
        '--feature',
        'az-routes',
        '--trust',
        '--account-id',
        '210987654321',
        '--organization-id',
        'o-abcdef0123',
      ),
    ) as PolicyDocument;
    expect(doc.Statement[0]).toMatchObject({
      Principal: {
        AWS: [
          `arn:aws:iam::123456789012:role/${NAME}-instance`,
          `arn:aws:iam::123456789012:role/${NAME}-cf-handler-role`,
        ],
      },
      Condition: { StringEquals: { 'sts:ExternalId': '${ExternalId}', 'aws:PrincipalOrgID': 'o-abcdef0123' } },
    });
  });

  it('prints all trust policies keyed by operational role name', async () => {
    const all = parsed(await policy('--trust')) as Record<string, PolicyDocument>;
    expect(Object.keys(all)).toHaveLength(7);
    expect(all[`${NAME}-cross-account-role7`]?.Statement[0]?.Action).toEqual(['sts:AssumeRole']);
  });

  it('lets the AI gateway role invoke Bedrock models, streaming or not, also through cross-region profiles', async () => {
    const doc = parsed(await policy('--feature', 'ai-gateway')) as PolicyDocument;
    expect(doc.Statement.find((s) => s.Sid === 'InvokeModels')).toEqual({
      Sid: 'InvokeModels',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: ['arn:aws:bedrock:*::foundation-model/*', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/*'],
    });
  });

  it('notes on stderr that a planned feature is not built yet', async () => {
    const run = await policy('--feature', 'flow-logs');
    expect(parsed(run)).toMatchObject({ Version: '2012-10-17' });
    expect(run.stderr).toContain('"flow-logs" is planned');
  });

  it('derives names from --resource-prefix and checks --manager-stack-name', async () => {
    const all = parsed(await policy('--resource-prefix', 'acme', '--manager-stack-name', 'gw-prod')) as object;
    expect(Object.keys(all)[0]).toBe('acme-gw-prod-8f3e2a1b-instance');
    expect(await policy('--manager-stack-name', 'other')).toMatchObject({
      code: 1,
      stderr: 'Error: manager stack name "other" does not match the stack id, which names "gw-prod"\n',
    });
  });

  it.each([
    [['--feature', 'teleport'], /unknown feature "teleport"; known features: leader-election/],
    [['--account-id', '42'], /invalid --account-id "42"/],
    [['--partition', 'aws-cn'], /--partition aws-cn does not match the manager stack's partition aws/],
    [['--organization-id', 'org1'], /invalid --organization-id "org1"/],
    [['--external-id-parameter', 'no-slash'], /invalid --external-id-parameter "no-slash"/],
    [['--resource-prefix', '-bad'], /invalid resource prefix "-bad"/],
    [['--feature', 'elastic-ip', '--trust'], /runs on the instance role, which EC2 assumes/],
  ])('rejects %j', async (argv, message) => {
    const run = await policy(...argv);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('requires a valid stack id and a region of its partition', async () => {
    expect((await runCsgw(['iam', 'policy'])).stderr).toBe('Error: --manager-stack-id is required\n');
    expect((await runCsgw(['iam', 'policy', '--manager-stack-id', 'gw-prod'])).stderr).toMatch(
      /invalid manager stack id "gw-prod"/,
    );
    expect((await runCsgw(['--region', 'cn-north-1', 'iam', 'policy', '--manager-stack-id', STACK_ID])).stderr).toBe(
      "Error: region cn-north-1 is not in the manager stack's partition aws\n",
    );
  });
});
