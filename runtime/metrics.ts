import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileReport, Reporter } from './reconcile-report.js';
import type { StatusWriteResult } from './status-publisher.js';

/** The operator's Prometheus metrics, on a registry of its own (no global state). */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly ssmCalls = new Counter({
    name: 'csgw_ssm_calls_total',
    help: 'SSM API calls by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  /** Short-lived processes run for the data plane (nft, ip, sysctl): each one costs a change milliseconds. */
  readonly processSpawns = new Counter({
    name: 'csgw_process_spawns_total',
    help: 'Processes run by the controllers, by program (the program inside `ip netns exec` under --netns)',
    labelNames: ['program'] as const,
    registers: [this.registry],
  });
  private readonly reconciles = new Counter({
    name: 'csgw_reconcile_total',
    help: 'Reconcile passes by controller and result',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'csgw_reconcile_errors_total',
    help: 'Failed reconcile passes by controller and reason',
    labelNames: ['controller', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'csgw_reconcile_duration_seconds',
    help: 'Observe-to-verdict time of a reconcile pass',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly generation = new Gauge({
    name: 'csgw_last_applied_generation',
    help: 'SSM version of the spec last applied',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  private readonly ready = new Gauge({
    name: 'csgw_controller_ready',
    help: '1 when the controller is converged on its desired state',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  /** Which lease scopes this instance holds, and the epoch of the term it knows of (its own or another's). */
  readonly leaseHeld = new Gauge({
    name: 'csgw_lease_held',
    help: '1 while this instance holds the lease of the scope',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  readonly leaseEpoch = new Gauge({
    name: 'csgw_lease_epoch',
    help: 'Epoch of the lease term this instance last saw in the scope (SSM version of the claim)',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  readonly counters = new Gauge({
    name: 'csgw_controller_counter',
    help: 'Data-plane counters reported by controllers (packets, bytes)',
    labelNames: ['controller', 'counter'] as const,
    registers: [this.registry],
  });

  private readonly statusWriteFailures = new Counter({
    name: 'csgw_status_write_failures_total',
    help: "Failed writes of this instance's status parameter (the stored status is stale until the next success)",
    registers: [this.registry],
  });
  private readonly statusLastWriteSuccess = new Gauge({
    name: 'csgw_status_last_write_success_timestamp_seconds',
    help: "Unix time of the last successful write of this instance's status parameter",
    registers: [this.registry],
  });
  private readonly statusDocumentBytes = new Gauge({
    name: 'csgw_status_document_bytes',
    help: 'UTF-8 size of the status document last written, and whether it had to be shortened to fit the tier',
    labelNames: ['truncated'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'csgw_' });
  }

  reporter(controller: string, now: () => number = () => performance.now()): Reporter {
    let passStart: number | undefined;
    const verdict = (result: string): void => {
      this.reconciles.inc({ controller, result });
      if (passStart !== undefined) this.duration.observe({ controller }, (now() - passStart) / 1000);
      passStart = undefined;
    };
    return (report: ReconcileReport): void => {
      if (report.type === 'phase' && report.phase === 'observing' && passStart === undefined) passStart = now();
      else if (report.type === 'converged') {
        verdict(report.applied ? 'applied' : 'converged');
        // Converged yet not serving (a daemon starting or crash-looping) is not ready.
        const notServing = report.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True');
        this.ready.set({ controller }, notServing ? 0 : 1);
        if (report.desired.generation !== undefined) this.generation.set({ controller }, report.desired.generation);
        this.recordCounters(controller, report.details);
      } else if (report.type === 'standby') {
        // Nothing to do on a non-holder: ready, and no pass is running.
        this.ready.set({ controller }, 1);
        passStart = undefined;
      } else if (report.type === 'failed' || report.type === 'inert') {
        verdict(report.type);
        this.errors.inc({ controller, reason: report.reason });
        this.ready.set({ controller }, 0);
      }
    };
  }

  /** StatusPublisherOptions.onWrite. */
  readonly recordStatusWrite = (result: StatusWriteResult): void => {
    if (!result.ok) return void this.statusWriteFailures.inc();
    this.statusLastWriteSuccess.set(result.at / 1000);
    this.statusDocumentBytes.reset();
    this.statusDocumentBytes.set({ truncated: String(result.truncated) }, result.bytes);
  };

  private recordCounters(controller: string, details: Record<string, unknown>): void {
    const counters = details.counters;
    if (typeof counters !== 'object' || counters === null) return;
    for (const [counter, value] of Object.entries(counters)) {
      if (typeof value === 'number') this.counters.set({ controller, counter }, value);
    }
  }
}
