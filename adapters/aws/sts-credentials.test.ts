import { afterEach, describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { ControllerError } from '../../runtime/controller.js';
import { createOperationalCredentials, sanitizeSessionName, type OperationalCredentials } from './sts-credentials.js';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/gw-prod/8f3e2a1b-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const ROLE1 = 'arn:aws:iam::123456789012:role/cloudspectra-gw-prod-8f3e2a1b-cross-account-role1';
const EXTERNAL_ID = 'ext-7c1f-secret';
const T0 = Date.parse('2030-01-01T00:00:00Z');

const sts = mockClient(STSClient);
afterEach(() => {
  sts.reset();
});

function assumed(n: number, expiresAt: number): object {
  return {
    Credentials: {
      AccessKeyId: `ASIA${n}`,
      SecretAccessKey: `secret${n}`,
      SessionToken: `token${n}`,
      Expiration: new Date(expiresAt),
    },
  };
}

function setup(
  now = { ms: T0 },
  externalId = (): Promise<string> => Promise.resolve(EXTERNAL_ID),
): OperationalCredentials {
  return createOperationalCredentials({
    sts: new STSClient({ region: 'us-east-1' }),
    config: {
      prefix: 'cloudspectra',
      managerStackName: 'gw-prod',
      managerStackId: STACK_ID,
      homeAccountId: '123456789012',
    },
    externalId,
    clock: () => new Date(now.ms),
    sessionName: 'i-0123456789abcdef0',
  });
}

function awsError(name: string, message = `${name} for ${EXTERNAL_ID}`): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

async function failure(p: Promise<unknown>): Promise<ControllerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ControllerError)) throw new Error(`expected a ControllerError, got ${String(err)}`);
  return err;
}

describe('createOperationalCredentials', () => {
  it('assumes the feature role with the external id, a sanitised session name and a one-hour session', async () => {
    sts.on(AssumeRoleCommand).resolves(assumed(1, T0 + 3600_000));
    const creds = await setup().forFeature('az-routes')();
    expect(creds).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret1',
      sessionToken: 'token1',
      expiration: new Date(T0 + 3600_000),
    });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: ROLE1,
      RoleSessionName: 'i-0123456789abcdef0',
      ExternalId: EXTERNAL_ID,
      DurationSeconds: 3600,
    });
  });

  it('reaches the same role name in a member account', async () => {
    sts.on(AssumeRoleCommand).resolves(assumed(1, T0 + 3600_000));
    await setup().forFeature('ai-gateway', '210987654321')();
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      'arn:aws:iam::210987654321:role/cloudspectra-gw-prod-8f3e2a1b-cross-account-role7',
    );
  });

  it('shares one AssumeRole between concurrent callers, then serves the cache', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    sts.on(AssumeRoleCommand).callsFake(async () => {
      await gate;
      return assumed(1, T0 + 3600_000);
    });
    const credentials = setup();
    const calls = [credentials.forFeature('az-routes')(), credentials.forFeature('az-routes')()];
    release();
    const [a, b] = await Promise.all(calls);
    expect(a).toBe(b);
    expect(await credentials.forFeature('az-routes')()).toBe(a);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('caches per account and role', async () => {
    sts.on(AssumeRoleCommand).resolves(assumed(1, T0 + 3600_000));
    const credentials = setup();
    await credentials.forFeature('az-routes')();
    await credentials.forFeature('az-routes', '210987654321')();
    await credentials.forFeature('vpc-topology')();
    await credentials.forFeature('az-routes', '210987654321')();
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([
      ROLE1,
      ROLE1.replace('123456789012', '210987654321'),
      ROLE1.replace('role1', 'role2'),
    ]);
  });

  it('assumes again once within five minutes of expiry', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumed(1, T0 + 3600_000))
      .resolvesOnce(assumed(2, T0 + 7200_000));
    const now = { ms: T0 };
    const provider = setup(now).forFeature('az-routes');
    expect((await provider()).accessKeyId).toBe('ASIA1');
    now.ms = T0 + 3600_000 - 5 * 60_000 - 1;
    expect((await provider()).accessKeyId).toBe('ASIA1');
    now.ms += 1;
    expect((await provider()).accessKeyId).toBe('ASIA2');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('works as an SDK client credential provider', async () => {
    sts.on(AssumeRoleCommand).resolves(assumed(3, T0 + 3600_000));
    const ec2 = new EC2Client({ region: 'us-east-1', credentials: setup().forFeature('az-routes') });
    const identity = await ec2.config.credentials();
    expect(identity.accessKeyId).toBe('ASIA3');
    ec2.destroy();
  });

  it.each(['AccessDenied', 'AccessDeniedException', 'NoSuchEntity', 'InvalidClientTokenId', 'RegionDisabledException'])(
    'makes the feature inert on %s, naming role and code but never the external id',
    async (code) => {
      sts.on(AssumeRoleCommand).rejects(awsError(code));
      const err = await failure(setup().forFeature('az-routes')());
      expect(err).toMatchObject({ reason: 'OperationalRoleUnavailable', inert: true });
      expect(err.message).toContain(ROLE1);
      expect(err.message).toContain(`(${code})`);
      expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(EXTERNAL_ID);
    },
  );

  it.each(['Throttling', 'ThrottlingException', 'RequestLimitExceeded'])('backs off on %s', async (code) => {
    sts.on(AssumeRoleCommand).rejects(awsError(code));
    const err = await failure(setup().forFeature('az-routes')());
    expect(err).toMatchObject({ reason: 'Throttled', inert: false });
    expect(err.message).not.toContain(EXTERNAL_ID);
  });

  it('backs off without going inert on an outage', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('InternalFailure'));
    const err = await failure(setup().forFeature('az-routes')());
    expect(err).toMatchObject({ reason: 'OperationalRoleUnavailable', inert: false });
  });

  it('does not cache a failure: the next call assumes again', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(awsError('AccessDenied'))
      .resolvesOnce(assumed(1, T0 + 3600_000));
    const provider = setup().forFeature('az-routes');
    await failure(provider());
    expect((await provider()).accessKeyId).toBe('ASIA1');
  });

  it('never returns anything when STS answers without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    const err = await failure(setup().forFeature('az-routes')());
    expect(err.reason).toBe('OperationalRoleUnavailable');
  });

  it('reports an unreadable external id without calling STS', async () => {
    const err = await failure(
      setup(undefined, () => Promise.reject(awsError('ParameterNotFound'))).forFeature('az-routes')(),
    );
    expect(err).toMatchObject({ reason: 'OperationalRoleUnavailable', inert: false });
    expect(err.message).toContain('(ParameterNotFound)');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('refuses base and unknown features instead of handing out instance credentials', () => {
    const credentials = setup();
    expect(() => credentials.forFeature('source-nat')).toThrow(/runs on the instance role/);
    expect(() => credentials.forFeature('teleport')).toThrow(/unknown feature/);
    expect(() => credentials.forFeature('az-routes', '42')).toThrow(/invalid account id/);
  });

  it('validates its configuration up front', () => {
    const base = {
      sts: new STSClient({ region: 'us-east-1' }),
      externalId: () => Promise.resolve(EXTERNAL_ID),
      sessionName: 'i-1',
    };
    const config = { prefix: 'cloudspectra', managerStackName: 'gw-prod', managerStackId: STACK_ID };
    expect(() => createOperationalCredentials({ ...base, config: { ...config, homeAccountId: 'x' } })).toThrow(
      /invalid home account id/,
    );
    expect(() =>
      createOperationalCredentials({
        ...base,
        config: { ...config, managerStackId: 'gw-prod', homeAccountId: '123456789012' },
      }),
    ).toThrow(/invalid manager stack id/);
  });
});

describe('sanitizeSessionName', () => {
  it('keeps allowed characters, replaces others and clips to 64', () => {
    expect(sanitizeSessionName('i-0abc/node 1')).toBe('i-0abc-node-1');
    expect(sanitizeSessionName('x'.repeat(80))).toHaveLength(64);
    expect(() => sanitizeSessionName('x')).toThrow(/too short/);
  });
});
