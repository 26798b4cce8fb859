import { setTimeout as delay } from 'node:timers/promises';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { FakeEc2Server } from '../../lab/fake-ec2/server.js';
import { decodeLeaseRecord, effectiveHolder, isEffective, type LeaseRecord } from '../../runtime/lease/record.js';
import { eipEni, type Member } from './cluster.js';

/** One GetParameter of a lease parameter by the benchmark, timed when its response arrived. */
export interface LeaseRead {
  atMs: number;
  version: number;
  record?: LeaseRecord;
  /** The holder of the effective, unreleased record; undefined when there is none. */
  holder?: string;
  /** The latest record is an effective release (graceful shutdown). */
  released: boolean;
  /** When SSM stored this version (its LastModifiedDate, ms precision here), on the performance.now() clock. */
  modifiedMs?: number;
}

/** A wall-clock instant (epoch ms) on this process's performance.now() clock. */
export function toMonotonicMs(epochMs: number): number {
  return epochMs - (Date.now() - performance.now());
}

export async function readLease(client: SSMClient, name: string): Promise<LeaseRead> {
  let version = 0;
  let value = '';
  let modified: Date | undefined;
  try {
    const out = await client.send(new GetParameterCommand({ Name: name }));
    version = out.Parameter?.Version ?? 0;
    value = out.Parameter?.Value ?? '';
    modified = out.Parameter?.LastModifiedDate;
  } catch (err) {
    if ((err as Error).name !== 'ParameterNotFound') throw err;
  }
  const atMs = performance.now();
  const record = decodeLeaseRecord(value);
  const observation = { version, ...(record ? { record } : {}) };
  return {
    atMs,
    version,
    record,
    holder: effectiveHolder(observation)?.holder,
    released: isEffective(observation) && record?.released === true,
    modifiedMs: modified && toMonotonicMs(modified.getTime()),
  };
}

/** What the benchmark polls: the cluster lease parameter in SSM and the master address in the fake EC2. */
export interface Watch {
  client: SSMClient;
  leaseName: string;
  ec2: FakeEc2Server;
  members: readonly Member[];
  /** The benchmark's own polling period (not the operators'). */
  pollMs: number;
}

export interface Steady {
  holder: Member;
  /** When the benchmark saw the holder's latest renew (the version moved on under the same holder and epoch). */
  renewSeenMs: number;
}

/** Every member has made a call on the lease since its current process started: it takes part in the election. */
function allParticipating(watch: Watch): boolean {
  return watch.members.every((m) =>
    m.tap.records.some(
      (c) => c.parameter.split(',').includes(watch.leaseName) && c.startMs >= m.current.startedMs && c.status === 200,
    ),
  );
}

/**
 * Waits for a steady cluster: one holder renewing, the address on its ENI, every member taking part. It returns at
 * the moment a renew is seen, so a caller that waits U(0, retryPeriod) from here lands at a uniformly random point
 * of the holder's renew cycle.
 */
export async function waitSteady(watch: Watch, timeoutMs: number): Promise<Steady> {
  const deadline = performance.now() + timeoutMs;
  let prev: LeaseRead | undefined;
  let last = 'no read yet';
  while (performance.now() < deadline) {
    const read = await readLease(watch.client, watch.leaseName);
    const renewed =
      read.holder !== undefined &&
      prev?.holder === read.holder &&
      prev.record?.epoch === read.record?.epoch &&
      read.version > prev.version;
    const holder = watch.members.find((m) => m.identity.instanceId === read.holder);
    if (renewed && holder) {
      const onHolder = eipEni(watch.ec2) === holder.identity.eniId;
      if (onHolder && allParticipating(watch)) return { holder, renewSeenMs: read.atMs };
      last = `holder ${holder.identity.instanceId}, address on ${eipEni(watch.ec2) ?? 'nothing'}`;
    }
    prev = read;
    await delay(watch.pollMs);
  }
  throw new Error(`cluster not steady after ${timeoutMs} ms (${last})`);
}

export type KillSignal = 'SIGKILL' | 'SIGTERM';

/**
 * n fractions of the renew cycle, one uniformly random point in each of n equal strata, in random order: every
 * part of the cycle is covered, the worst case for kill -9 (just after a renew) included, which n independent
 * draws do not promise with n = 10.
 */
export function stratifiedPhases(n: number, random: () => number = Math.random): number[] {
  const phases = Array.from({ length: n }, (_, k) => (k + random()) / n);
  for (let i = phases.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [phases[i], phases[j]] = [phases[j] ?? 0, phases[i] ?? 0];
  }
  return phases;
}

/** One failover; times in ms from the signal, each detected by the benchmark's polling (late by up to one poll). */
export interface FailoverSample {
  signal: KillSignal;
  victim: string;
  /** Signal sent this long after the victim's last renew was seen: U(0, retryPeriod) by construction. */
  killAfterRenewMs: number;
  /** A new effective holder seen in the lease parameter (polled); undefined: timed out. */
  leaseMs?: number;
  /** When that holder's claim landed in SSM, by SSM's own timestamp of the version: the polling lag removed. */
  claimLandedMs?: number;
  /** When the fake EC2 received the AssociateAddress to the new holder's ENI (exact: it runs in this process). */
  associateMs?: number;
  /** The address associated with an ENI other than the victim's (polled); undefined: timed out. */
  eipMs?: number;
  /** SIGTERM: the victim's effective release seen in the parameter. */
  releaseMs?: number;
  /** The victim process had exited. */
  exitMs: number;
  newHolder?: string;
  newEpoch?: number;
  /** The address ended up on the new holder's own ENI (not some third member's). */
  eipOnNewHolder: boolean;
}

interface Progress {
  leaseAt?: number;
  claimLandedAt?: number;
  eipAt?: number;
  releaseAt?: number;
  newHolder?: string;
  newEpoch?: number;
  eni?: string;
}

function observe(watch: Watch, victim: Member, read: LeaseRead, p: Progress): void {
  if (p.releaseAt === undefined && read.released) p.releaseAt = read.atMs;
  if (p.leaseAt === undefined && read.holder !== undefined && read.holder !== victim.identity.instanceId) {
    p.leaseAt = read.atMs;
    // A claim writes epoch = its own version; a later version would be a renew, landed after the claim.
    if (read.version === read.record?.epoch) p.claimLandedAt = read.modifiedMs;
    p.newHolder = read.holder;
    p.newEpoch = read.record?.epoch;
  }
  // The model lives in this process: reading it is instantaneous, so the time is taken right here.
  const eni = eipEni(watch.ec2);
  if (p.eipAt === undefined && eni !== undefined && eni !== victim.identity.eniId) {
    p.eipAt = performance.now();
    p.eni = eni;
  }
}

/** Signals the holder and polls until a new holder is effective and the address has moved (or timeoutMs passed). */
export async function measureFailover(
  watch: Watch,
  steady: Steady,
  signal: KillSignal,
  timeoutMs: number,
): Promise<FailoverSample> {
  const victim = steady.holder;
  const t0 = performance.now();
  const exited = victim.current.kill(signal);
  const p: Progress = {};
  while ((p.leaseAt === undefined || p.eipAt === undefined) && performance.now() - t0 < timeoutMs) {
    observe(watch, victim, await readLease(watch.client, watch.leaseName), p);
    await delay(watch.pollMs);
  }
  const exitMs = (await exited) - t0;
  const newEni = watch.members.find((m) => m.identity.instanceId === p.newHolder)?.identity.eniId;
  const since = (at: number | undefined): number | undefined => (at === undefined ? undefined : at - t0);
  const associate = watch.ec2.calls.find(
    (c) =>
      c.action === 'AssociateAddress' &&
      c.params.NetworkInterfaceId === newEni &&
      toMonotonicMs(Date.parse(c.at)) >= t0,
  );
  return {
    signal,
    victim: victim.identity.instanceId,
    killAfterRenewMs: t0 - steady.renewSeenMs,
    leaseMs: since(p.leaseAt),
    claimLandedMs: since(p.claimLandedAt),
    associateMs: since(associate && toMonotonicMs(Date.parse(associate.at))),
    eipMs: since(p.eipAt),
    releaseMs: since(p.releaseAt),
    exitMs,
    newHolder: p.newHolder,
    newEpoch: p.newEpoch,
    eipOnNewHolder: newEni !== undefined && p.eni === newEni,
  };
}
