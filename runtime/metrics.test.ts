import { describe, expect, it } from '@jest/globals';
import { OperatorMetrics } from './metrics.js';
import type { ReconcileReport } from './reconcile-report.js';

const converged = (over: Partial<Extract<ReconcileReport, { type: 'converged' }>> = {}): ReconcileReport => ({
  type: 'converged',
  desired: { name: 'default', generation: 3, spec: {} },
  applied: false,
  details: { counters: { requests: 7, hitRatio: 0.5 } },
  warnings: [],
  ...over,
});

async function sample(metrics: OperatorMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value);
}

describe('OperatorMetrics', () => {
  it('exports a converged pass: ready, generation and the controller counters', async () => {
    const metrics = new OperatorMetrics();
    metrics.reporter('ForwardProxy')(converged());
    expect(await sample(metrics, 'csgw_controller_ready', { controller: 'ForwardProxy' })).toBe(1);
    expect(await sample(metrics, 'csgw_last_applied_generation', { controller: 'ForwardProxy' })).toBe(3);
    expect(await sample(metrics, 'csgw_controller_counter', { counter: 'requests' })).toBe(7);
    expect(await sample(metrics, 'csgw_controller_counter', { counter: 'hitRatio' })).toBe(0.5);
  });

  it('counts failed status writes and stamps the last successful one', async () => {
    const metrics = new OperatorMetrics();
    metrics.recordStatusWrite({ ok: true, at: 1_700_000_000_000, bytes: 4000, truncated: true });
    metrics.recordStatusWrite({ ok: false, at: 1_700_000_010_000, bytes: 4000, truncated: true });
    metrics.recordStatusWrite({ ok: false, at: 1_700_000_020_000, bytes: 4000, truncated: true });
    expect(await sample(metrics, 'csgw_status_write_failures_total', {})).toBe(2);
    expect(await sample(metrics, 'csgw_status_last_write_success_timestamp_seconds', {})).toBe(1_700_000_000);
    expect(await sample(metrics, 'csgw_status_document_bytes', { truncated: 'true' })).toBe(4000);
  });

  it('is not ready while a converged controller says it is not serving', async () => {
    const metrics = new OperatorMetrics();
    const report = metrics.reporter('ForwardProxy');
    const notServing = { type: 'Ready', status: 'False' as const, reason: 'CrashLoopBackOff', message: 'm' };
    report(converged({ conditions: [notServing] }));
    expect(await sample(metrics, 'csgw_controller_ready', { controller: 'ForwardProxy' })).toBe(0);
    report(converged({ conditions: [{ ...notServing, type: 'CrashLoop' }] }));
    expect(await sample(metrics, 'csgw_controller_ready', { controller: 'ForwardProxy' })).toBe(1);
  });
});
