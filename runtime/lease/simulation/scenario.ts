import { LeaseCore } from '../core.js';
import { DEFAULT_LEASE_TIMING, type LeaseTiming } from '../timing.js';
import type { LivenessReport } from './liveness.js';
import type { NetworkProfile } from './network.js';
import type { Rng } from './prng.js';
import type { CoreFactory, SimStats } from './types.js';

export interface FaultProfile {
  /** Mean time between faults of one node (exponential gaps). */
  meanGapMs: number;
  weights: { crash: number; pause: number; release: number };
  maxDownMs: number;
  maxPauseMs: number;
}

export interface SimOptions {
  seed: number;
  /** 2..5; drawn from the seed when absent. */
  nodes?: number;
  /** Not checked with checkLeaseTiming, so a test can plant an unsafe one. */
  timing?: LeaseTiming;
  /** The clock-rate bound: rates lie in [1 - rho, 1 + rho]. Default SIM_RHO. */
  rho?: number;
  /** Faults run from 0 to faultPhaseMs (default 60 s), then the calm phase (default 30 s). */
  faultPhaseMs?: number;
  calmPhaseMs?: number;
  /** The network under faults; drawn from the seed when absent. */
  network?: NetworkProfile;
  faults?: FaultProfile;
  coreFactory?: CoreFactory;
  /** A run with more events is reported as a livelock. */
  maxEvents?: number;
  /** How many of the last events a failure shows. */
  traceSize?: number;
}

export interface SimResult {
  seed: number;
  nodes: number;
  violations: string[];
  /** Absent when the run had a safety violation or ended before the liveness deadline. */
  liveness?: LivenessReport;
  stats: SimStats;
  /** The last events, for a failure message. */
  trace: string;
}

/** The clock-rate bound the ADR's safety argument assumes and the simulation uses: 1 %. */
export const SIM_RHO = 0.01;

export interface Scenario {
  timing: LeaseTiming;
  rho: number;
  rates: number[];
  network: NetworkProfile;
  faults: FaultProfile;
  faultPhaseMs: number;
  endAt: number;
  maxEvents: number;
  traceSize: number;
  coreFactory: CoreFactory;
}

function faultNetwork(rng: Rng, timing: LeaseTiming): NetworkProfile {
  const maxDelayMs = [20, 100, 400][rng.int(0, 2)]!;
  const maxTailMs = 2 * timing.leaseDurationMs + timing.retryPeriodMs;
  return { minDelayMs: 1, maxDelayMs, fastRate: 0.2, tailRate: 0.03, maxTailMs, lossRate: 0.03, errorRate: 0.03 };
}

function defaultFaults(timing: LeaseTiming): FaultProfile {
  const d = timing.leaseDurationMs;
  return { meanGapMs: 4 * d, weights: { crash: 1, pause: 2, release: 1 }, maxDownMs: 2 * d, maxPauseMs: 2 * d };
}

/** Half the clocks run at an extreme of the bound, where the safety margin is thinnest. */
function clockRate(rng: Rng, rho: number): number {
  if (rng.chance(0.5)) return rng.chance(0.5) ? 1 - rho : 1 + rho;
  return rng.between(1 - rho, 1 + rho);
}

/** Fills in everything the options leave to the seed. */
export function resolveScenario(options: SimOptions, rng: Rng): Scenario {
  const timing = options.timing ?? DEFAULT_LEASE_TIMING;
  const rho = options.rho ?? SIM_RHO;
  const network = options.network ?? faultNetwork(rng, timing);
  const count = options.nodes ?? rng.int(2, 5);
  const faultPhaseMs = options.faultPhaseMs ?? 60_000;
  return {
    timing,
    rho,
    rates: Array.from({ length: count }, () => clockRate(rng, rho)),
    network,
    faults: options.faults ?? defaultFaults(timing),
    faultPhaseMs,
    endAt: faultPhaseMs + (options.calmPhaseMs ?? 30_000),
    maxEvents: options.maxEvents ?? 1_000_000,
    traceSize: options.traceSize ?? 40,
    coreFactory: options.coreFactory ?? ((o) => new LeaseCore(o)),
  };
}

/** Everything needed to understand and replay a failed run. */
export function formatFailure(r: SimResult): string {
  const lines = [`seed ${r.seed} (${r.nodes} nodes) failed:`, ...r.violations];
  if (r.liveness && !r.liveness.ok) lines.push(`liveness: ${r.liveness.reason}`);
  lines.push(`last events (replay: runSimulation({ seed: ${r.seed}, ... })):`, r.trace);
  return lines.join('\n');
}
