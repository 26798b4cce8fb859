import { describe, expect, it } from '@jest/globals';
import { EventRecorder } from './event-recorder.js';
import { StatusHub } from './status-hub.js';

function setup(): { events: EventRecorder; report: ReturnType<StatusHub['register']> } {
  const clock = (): Date => new Date(0);
  const events = new EventRecorder('i-1', clock);
  const hub = new StatusHub({ instanceId: 'i-1', gateway: 'g', operatorVersion: 'v', clock, events });
  return { events, report: hub.register('FirewallPolicy') };
}

describe('StatusHub: events about one resource of a multi-resource kind', () => {
  it('a rejection names the rejected resource, not the resources the controller runs', () => {
    const { events, report } = setup();
    const desired = { name: 'base,office', generation: 4, spec: {} };
    report({ type: 'ignored', name: 'lab', reason: 'FirewallPolicy/lab generation 2 rejected: bad' });
    report({ type: 'adopted', desired });
    report({
      type: 'converged',
      desired,
      applied: true,
      details: {},
      warnings: [
        { reason: 'ResourceRejected', message: 'FirewallPolicy/lab generation 2 rejected: bad', resource: 'lab' },
      ],
    });
    const byReason = (reason: string): unknown => events.list().find((e) => e.reason === reason)?.object;
    expect(byReason('Ignored')).toEqual({ kind: 'FirewallPolicy', name: 'lab' });
    expect(byReason('ResourceRejected')).toEqual({ kind: 'FirewallPolicy', name: 'lab' });
    expect(byReason('Applied')).toEqual({ kind: 'FirewallPolicy', name: 'base,office' });
  });

  it('a warning about no particular resource names the controller resource', () => {
    const { events, report } = setup();
    const desired = { name: 'base', generation: 1, spec: {} };
    report({ type: 'adopted', desired });
    report({ type: 'converged', desired, applied: false, details: {}, warnings: [{ reason: 'Odd', message: 'm' }] });
    expect(events.list().find((e) => e.reason === 'Odd')?.object).toEqual({ kind: 'FirewallPolicy', name: 'base' });
  });
});
