import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { startFakeEc2 } from '../../lab/fake-ec2/cli.js';
import type { FakeEc2Server } from '../../lab/fake-ec2/server.js';
import type { LeaseTiming } from '../../runtime/lease/timing.js';
import type { Cleanup } from './cleanup.js';
import { scrapeMetrics, tail, type Metrics } from './operator.js';
import { freePort } from './proc.js';
import { BENCH_GATEWAY } from './ssm.js';
import { startSsmTap, type SsmTap } from './ssm-tap.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** The master address of the benchmark gateway in the fake EC2 (RFC 5737 documentation address). */
export const BENCH_ALLOCATION_ID = 'eipalloc-0123456789abcdef0';
const REGION = 'us-east-1';

/** Who one operator process claims to be in EC2 (its CSGW_EC2_* overrides) and where it runs. */
export interface MemberIdentity {
  index: number;
  instanceId: string;
  eniId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  /** The network namespace its SourceNat controller manages, so nothing touches the host. */
  netns: string;
}

/** Instance k lives in AZ k mod azCount: with 3 instances and 2 AZs, two contend for use1-az1, one holds use1-az2. */
export function memberIdentities(count: number, azCount: number, nsPrefix: string): MemberIdentity[] {
  return Array.from({ length: count }, (_, index) => {
    const hex = (index + 1).toString(16).padStart(17, '0');
    const az = index % azCount;
    return {
      index,
      instanceId: `i-${hex}`,
      eniId: `eni-${hex}`,
      availabilityZone: `${REGION}${String.fromCharCode(97 + az)}`,
      availabilityZoneId: `use1-az${az + 1}`,
      netns: `${nsPrefix}-${index}`,
    };
  });
}

/** One address, one primary ENI per instance, no route tables: all the ElasticIp controller needs. */
export function fakeEc2State(members: readonly MemberIdentity[]): Record<string, unknown> {
  return {
    addresses: [{ allocationId: BENCH_ALLOCATION_ID, publicIp: '198.51.100.7', tags: {} }],
    networkInterfaces: members.map((m) => ({
      networkInterfaceId: m.eniId,
      sourceDestCheck: true,
      availabilityZone: m.availabilityZone,
      subnetId: `subnet-${m.availabilityZoneId}`,
      vpcId: 'vpc-bench',
      instanceId: m.instanceId,
      tags: {},
    })),
    routeTables: [],
  };
}

/** The fake EC2 Query API in this process: the benchmark reads its model directly, with no HTTP in between. */
export async function startBenchEc2(
  cleanup: Cleanup,
  workDir: string,
  members: readonly MemberIdentity[],
): Promise<{ server: FakeEc2Server; url: string }> {
  const statePath = join(workDir, 'fake-ec2-state.json');
  await writeFile(statePath, JSON.stringify(fakeEc2State(members)));
  const ec2 = await startFakeEc2({ host: '127.0.0.1', port: 0, statePath });
  cleanup.add('stop the fake EC2 server', () => ec2.server.close());
  return ec2;
}

/** The ENI the master address is associated with right now, or undefined. */
export function eipEni(server: FakeEc2Server): string | undefined {
  return server.model.addresses.get(BENCH_ALLOCATION_ID)?.networkInterfaceId;
}

/** Empty namespaces with a random prefix, one per member, deleted on exit. */
export async function createNamespaces(cleanup: Cleanup, count: number): Promise<string> {
  const prefix = `csgw-lf${randomBytes(2).toString('hex')}`;
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    await execa('ip', ['netns', 'add', name]);
    cleanup.add(`delete namespace ${name}`, async () => void (await execa('ip', ['netns', 'del', name])));
  }
  return prefix;
}

export interface MemberOptions {
  ssmUrl: string;
  ec2Url: string;
  timing: LeaseTiming;
  logDir: string;
  logLevel: string;
}

/** One `csgw run` process of a member; a restart is a new Process behind the same tap and identity. */
export interface MemberProcess {
  pid: number;
  startedMs: number;
  logFile: string;
  adminUrl: string;
  /** Sends the signal and resolves with performance.now() at the moment the process had exited. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<number>;
  metrics(): Promise<Metrics>;
}

export interface Member {
  identity: MemberIdentity;
  /** Every SSM call this member made, across restarts. */
  tap: SsmTap;
  current: MemberProcess;
  starts: number;
}

export async function startMember(cleanup: Cleanup, identity: MemberIdentity, opts: MemberOptions): Promise<Member> {
  const tap = await startSsmTap(opts.ssmUrl);
  cleanup.add(`stop the SSM tap of ${identity.instanceId}`, () => tap.close());
  const member: Member = { identity, tap, starts: 0, current: undefined as unknown as MemberProcess };
  await restartMember(cleanup, member, opts);
  return member;
}

/** Starts a new process for the member (its previous one must have exited) and waits for its admin endpoint. */
export async function restartMember(cleanup: Cleanup, member: Member, opts: MemberOptions): Promise<void> {
  member.starts += 1;
  const port = await freePort();
  const logFile = join(opts.logDir, `${member.identity.instanceId}-${member.starts}.log`);
  const startedMs = performance.now();
  const child = execa(process.execPath, runArgs(member.identity, opts, port, member.tap.url), {
    extendEnv: false,
    env: memberEnv(member.identity, opts),
    stdin: 'ignore',
    stdout: { file: logFile },
    stderr: { file: `${logFile}.stderr` },
    reject: false,
  });
  let exitedMs: number | undefined;
  const exited = child.then(() => (exitedMs = performance.now()));
  cleanup.add(`stop ${member.identity.instanceId} #${member.starts}`, () => stopProcess(child));
  const adminUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(adminUrl, () => exitedMs !== undefined, logFile);
  member.current = {
    pid: child.pid ?? -1,
    startedMs,
    logFile,
    adminUrl,
    kill: async (signal) => {
      child.kill(signal);
      await exited;
      return exitedMs ?? performance.now();
    },
    metrics: () => scrapeMetrics(adminUrl),
  };
}

function runArgs(identity: MemberIdentity, opts: MemberOptions, port: number, ssmUrl: string): string[] {
  const secs = (ms: number): string => String(ms / 1000);
  return [
    CLI,
    '--endpoint-url',
    ssmUrl,
    '--gateway',
    BENCH_GATEWAY,
    'run',
    '--imds',
    'off',
    '--netns',
    identity.netns,
    '--admin-listen',
    `127.0.0.1:${port}`,
    '--log-level',
    opts.logLevel,
    '--lease-duration',
    secs(opts.timing.leaseDurationMs),
    '--lease-renew-deadline',
    secs(opts.timing.renewDeadlineMs),
    '--lease-retry-period',
    secs(opts.timing.retryPeriodMs),
    // Each run has a fresh store: the memory of an earlier run's store must not make this one unrecognised.
    '--state-dir',
    join(opts.logDir, 'state'),
  ];
}

/** A clean environment: the identity overrides, EC2 pointed at the fake, and dummy keys the fake does not check. */
function memberEnv(identity: MemberIdentity, opts: MemberOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: opts.logDir,
    AWS_ENDPOINT_URL_EC2: opts.ec2Url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CSGW_EC2_INSTANCE_ID: identity.instanceId,
    CSGW_EC2_REGION: REGION,
    CSGW_EC2_AZ: identity.availabilityZone,
    CSGW_EC2_AZ_ID: identity.availabilityZoneId,
    CSGW_EC2_ENI_ID: identity.eniId,
    CSGW_EC2_ACCOUNT_ID: '123456789012',
  };
}

async function stopProcess(child: ResultPromise): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await child;
}

/**
 * /healthz: the admin listener is up, right before the electors start. Whether the member then takes part in the
 * election is what waitSteady checks, from the lease calls its tap sees.
 */
async function waitHealthy(adminUrl: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (exited()) throw new Error(`operator exited during start-up:\n${await tail(logFile)}`);
    const status = await fetch(`${adminUrl}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await delay(50);
  }
  throw new Error(`operator not healthy after 30 s:\n${await tail(logFile)}`);
}
