import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, paginateGetParameterHistory, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../adapters/ssm-client.js';
import type { Ec2State } from '../lab/fake-ec2/model.js';
import type { AddressView } from '../runtime/aws/ports.js';
import { FENCING_TAGS } from '../runtime/lease/fencing.js';
import { decodeLeaseRecord, isEffective, type LeaseRecord } from '../runtime/lease/record.js';
import type { Condition, InstanceStatus, StatusEvent } from '../runtime/status-types.js';
import { runCsgw } from '../testing/cli-harness.js';
import {
  CLUSTER_REGION,
  createCluster,
  effectiveHolder,
  ensureImages,
  LeaseSampler,
  readLease,
  waitFor,
  type Cluster,
  type MemberSpec,
} from './harness/index.js';

/**
 * Three operator containers (two in use1-az1, one in use1-az2) elect a leader over ONE embedded SSM endpoint, real
 * wire calls; the leader keeps the master Elastic IP on its ENI in a fake EC2. Killing the leader (SIGKILL), then
 * stopping the next one (SIGTERM, which releases the lease), moves the lease and the address each time.
 */
const GATEWAY = 'e2e';
const ROOT = `/cloudspectra/${GATEWAY}`;
const ALLOCATION_ID = 'eipalloc-0123456789abcdef0';
/** Generous: failover is benchmarked elsewhere; this is about correctness. */
const NEW_HOLDER_MS = 20_000;
const SETTLE_MS = 30_000;

function member(n: number, zone: 'a' | 'b'): MemberSpec {
  const hex = n.toString(16).padStart(17, '0');
  const az = zone === 'a' ? 1 : 2;
  return {
    name: `gw-${n}`,
    ec2InstanceId: `i-${hex}`,
    eniId: `eni-${hex}`,
    availabilityZone: `${CLUSTER_REGION}${zone}`,
    availabilityZoneId: `use1-az${az}`,
  };
}

const MEMBERS = [member(1, 'a'), member(2, 'a'), member(3, 'b')];

const EC2_STATE = {
  addresses: [{ allocationId: ALLOCATION_ID, publicIp: '198.51.100.7', tags: {} }],
  networkInterfaces: MEMBERS.map((m) => ({
    networkInterfaceId: m.eniId,
    availabilityZone: m.availabilityZone,
    subnetId: `subnet-${m.availabilityZoneId}`,
    vpcId: 'vpc-e2e',
    instanceId: m.ec2InstanceId,
  })),
};

let cluster: Cluster;
let ssm: SSMClient;
let sampler: LeaseSampler;
let workDir: string;
/** Members not yet killed or stopped. */
let live = MEMBERS.map((m) => m.name);
const leaders: Leader[] = [];

interface Leader {
  name: string;
  epoch: number;
}

const memberNamed = (name: string): MemberSpec => MEMBERS.find((m) => m.name === name)!;

/** waitFor, with every container's last lines in the error: a failover that does not happen is explained there. */
async function settle<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = SETTLE_MS): Promise<T> {
  try {
    return await waitFor(probe, { timeoutMs, intervalMs: 200, what });
  } catch (err) {
    const tail = (name: string): string => cluster.logs(name).split('\n').slice(-25).join('\n');
    const logs = [...MEMBERS.map((m) => m.name), 'ssm', 'ec2'].map((n) => `--- ${n} ---\n${tail(n)}`).join('\n');
    throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
  }
}

async function clusterLease(): Promise<Leader | undefined> {
  const held = effectiveHolder(await readLease(ssm, `${ROOT}/leases/cluster`));
  return held && { name: held.holder, epoch: held.epoch };
}

async function address(): Promise<AddressView | undefined> {
  const res = await fetch(`${cluster.ec2Url}/_state`, { signal: AbortSignal.timeout(2_000) });
  return ((await res.json()) as Ec2State).addresses.find((a) => a.allocationId === ALLOCATION_ID);
}

async function statusOf(name: string): Promise<InstanceStatus | undefined> {
  const out = await ssm.send(new GetParameterCommand({ Name: `${ROOT}/status/${name}` }));
  return JSON.parse(out.Parameter?.Value ?? '{}') as InstanceStatus;
}

function elasticIpReady(status: InstanceStatus | undefined): Condition | undefined {
  return status?.controllers?.ElasticIp?.conditions.find((c) => c.type === 'Ready');
}

async function eventsOf(name: string): Promise<StatusEvent[]> {
  const run = await runCsgw(['events', '--admin-url', cluster.adminUrls[name]!, '-o', 'json'], { env: {} });
  if (run.code !== 0) throw new Error(`csgw events failed (${run.code}): ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StatusEvent);
}

/** The address sits on the leader's ENI, stamped with the leader's term. */
async function addressOn(leader: Leader): Promise<AddressView | undefined> {
  const a = await address();
  const onLeader = a?.networkInterfaceId === memberNamed(leader.name).eniId;
  return onLeader && a.tags[FENCING_TAGS.epoch] === String(leader.epoch) ? a : undefined;
}

/**
 * A settled cluster under `leader`: its status holds the lease and has the address Ready, every other live member
 * stands by for it, and its own events say it was elected for this term.
 */
async function expectSettled(leader: Leader): Promise<void> {
  const a = await settle(`${ALLOCATION_ID} on ${leader.name}'s ENI under epoch ${leader.epoch}`, () =>
    addressOn(leader),
  );
  expect(a.tags[FENCING_TAGS.holder]).toBe(leader.name);
  expect(a.tags[FENCING_TAGS.scope]).toBe('cluster');
  // Polled until it names the term: while a renew lands behind losing claims, the holder briefly reports no record.
  const status = await settle(`${leader.name}'s status: holds epoch ${leader.epoch}, ElasticIp Ready`, async () => {
    const s = await statusOf(leader.name);
    const ready = elasticIpReady(s);
    const onLeader = s?.controllers?.ElasticIp?.details.networkInterfaceId === memberNamed(leader.name).eniId;
    const led = ready?.status === 'True' && ready.reason !== 'Standby';
    return s?.leases?.cluster?.epoch === leader.epoch && onLeader && led && s;
  });
  expect(status.leases?.cluster).toEqual({ held: true, holder: leader.name, epoch: leader.epoch });
  for (const name of live.filter((n) => n !== leader.name)) {
    const standby = await settle(`${name} standing by for ${leader.name}`, async () => {
      const s = await statusOf(name);
      return s?.leases?.cluster?.holder === leader.name && elasticIpReady(s)?.reason === 'Standby' && s;
    });
    expect(elasticIpReady(standby)?.status).toBe('True');
    expect(standby.leases?.cluster?.held).toBe(false);
  }
  const elected = await settle(`LeaderElected (epoch ${leader.epoch}) in ${leader.name}'s events`, async () =>
    (await eventsOf(leader.name)).find(
      (e) => e.reason === 'LeaderElected' && e.object.name === 'cluster' && e.message.includes(`epoch ${leader.epoch}`),
    ),
  );
  expect(elected.object).toEqual({ kind: 'Lease', name: 'cluster' });
}

/** Waits for an effective holder other than `previous` (or any, without one) and checks its term is newer. */
async function nextLeader(previous?: Leader): Promise<Leader> {
  const leader = await settle(
    `a new holder of the cluster lease after ${previous?.name ?? 'start-up'}`,
    async () => {
      const now = await clusterLease();
      return now && now.name !== previous?.name && now;
    },
    NEW_HOLDER_MS,
  );
  expect(live).toContain(leader.name);
  if (previous) expect(leader.epoch).toBeGreaterThan(previous.epoch);
  leaders.push(leader);
  return leader;
}

async function leaseHistory(): Promise<{ version: number; record: LeaseRecord }[]> {
  const rows: { version: number; record: LeaseRecord }[] = [];
  for await (const page of paginateGetParameterHistory({ client: ssm }, { Name: `${ROOT}/leases/cluster` }))
    for (const p of page.Parameters ?? []) {
      const record = decodeLeaseRecord(p.Value ?? '');
      if (record) rows.push({ version: p.Version ?? 0, record });
    }
  return rows;
}

async function applyElasticIp(): Promise<void> {
  const file = join(workDir, 'elasticip.json');
  await writeFile(file, JSON.stringify({ kind: 'ElasticIp', name: 'master', spec: { allocationId: ALLOCATION_ID } }));
  const run = await runCsgw(['--endpoint-url', cluster.ssmUrl, '--gateway', GATEWAY, 'apply', '-f', file], { env: {} });
  if (run.code !== 0) throw new Error(`csgw apply failed (${run.code}): ${run.stderr}`);
}

beforeAll(async () => {
  await ensureImages();
  cluster = await createCluster('cluster-failover', {
    gateway: GATEWAY,
    members: MEMBERS,
    ec2State: EC2_STATE,
    runArgs: ['--status-interval', '1', '--resync-interval', '2'],
  });
  ssm = createSsmClient({ region: CLUSTER_REGION, endpoint: cluster.ssmUrl, dummyCredentials: true });
  sampler = new LeaseSampler(ssm, `${ROOT}/leases/cluster`);
  sampler.start();
  workDir = await mkdtemp(join(tmpdir(), 'csgw-e2e-'));
  await applyElasticIp();
}, 20 * 60_000);

afterAll(async () => {
  await sampler?.stop();
  ssm?.destroy();
  await cluster?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe('cluster lease failover across three operator containers', () => {
  it('one member holds the cluster lease and keeps the Elastic IP on its ENI', async () => {
    await expectSettled(await nextLeader());
    for (const [azId, names] of [
      ['use1-az1', ['gw-1', 'gw-2']],
      ['use1-az2', ['gw-3']],
    ] as const) {
      const az = effectiveHolder(await readLease(ssm, `${ROOT}/leases/az/${azId}`));
      expect(names).toContain(az?.holder);
    }
  }, 90_000);

  it('SIGKILL of the leader: another member takes the lease and the address', async () => {
    const killed = leaders.at(-1)!;
    await cluster.kill(killed.name);
    live = live.filter((n) => n !== killed.name);
    await expectSettled(await nextLeader(killed));
  }, 90_000);

  it('SIGTERM of the new leader releases the lease; the last member takes over', async () => {
    const stopped = leaders.at(-1)!;
    await cluster.stop(stopped.name);
    live = live.filter((n) => n !== stopped.name);
    const release = (await leaseHistory()).find(
      (h) => h.record.released && h.record.writeId.startsWith(`${stopped.name}/`),
    );
    expect(release).toBeDefined();
    expect(isEffective(release!)).toBe(true); // basedOn === Version - 1
    expect(release!.record).toMatchObject({ holder: '', epoch: stopped.epoch });
    const last = await nextLeader(stopped);
    expect(last.name).toBe(live[0]);
    await expectSettled(last);
  }, 90_000);

  it('never two holders: every sampled term is newer than the one before', async () => {
    await sampler.stop();
    expect(sampler.violations).toEqual([]);
    expect(sampler.samples).toBeGreaterThan(50);
    // The three leaders appear in order, each under a strictly greater epoch (other short terms may lie between).
    const seen = sampler.terms.map((t) => `${t.holder}@${t.epoch}`);
    const expected = leaders.map((l) => `${l.name}@${l.epoch}`);
    expect(seen.filter((t) => expected.includes(t))).toEqual(expected);
    const epochs = sampler.terms.map((t) => t.epoch);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
  }, 30_000);
});
