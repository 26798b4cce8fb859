// Reads a lease parameter over real SSM calls, as every instance does, and checks from the outside what ADR 0005
// promises: the epoch of effective records never goes down, and the holder never changes without it growing.
import { setTimeout as delay } from 'node:timers/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createSsmLeaseStore } from '../../adapters/ssm-lease-store.js';
import { effectiveHolder, isEffective, type LeaseObservation } from '../../runtime/lease/record.js';

export { effectiveHolder };

/** One read of a lease parameter through the operator's own lease store; version 0 when it does not exist yet. */
export function readLease(client: SSMClient, name: string): Promise<LeaseObservation> {
  return createSsmLeaseStore(client).read(name, AbortSignal.timeout(2_000));
}

/** A lease term as the sampler first saw it. */
export interface SampledTerm {
  holder: string;
  epoch: number;
  /** The version at which the sampler first saw the term. */
  seenAtVersion: number;
}

/**
 * Polls one lease parameter every periodMs from start() to stop(). Losing writes and foreign values grant nothing and
 * are skipped; every effective record is checked against the terms seen before it.
 */
export class LeaseSampler {
  readonly terms: SampledTerm[] = [];
  readonly violations: string[] = [];
  samples = 0;
  readErrors = 0;
  private lastVersion = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
    private readonly periodMs = 100,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Checks one read against everything read before; public so a test can feed reads of its own. */
  observe(observation: LeaseObservation): void {
    const { version, record } = observation;
    if (version < this.lastVersion) this.violations.push(`version went back from ${this.lastVersion} to ${version}`);
    this.lastVersion = Math.max(this.lastVersion, version);
    if (!record || !isEffective(observation)) return;
    const last = this.terms.at(-1);
    const at = `at version ${version}`;
    if (record.epoch > version) this.violations.push(`${at}: epoch ${record.epoch} lies in the future`);
    if (last && record.epoch < last.epoch)
      this.violations.push(`${at}: epoch went back from ${last.epoch} (${last.holder}) to ${record.epoch}`);
    if (record.released) return;
    if (last && record.epoch === last.epoch && record.holder !== last.holder)
      this.violations.push(`${at}: ${record.holder} and ${last.holder} both hold epoch ${record.epoch}`);
    if (!last || record.epoch > last.epoch)
      this.terms.push({ holder: record.holder, epoch: record.epoch, seenAtVersion: version });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.observe(await readLease(this.client, this.name));
        this.samples += 1;
      } catch {
        this.readErrors += 1; // a slow or failed read only thins the sample; the checks need no particular read
      }
      await delay(this.periodMs);
    }
  }
}
