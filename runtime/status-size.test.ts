// 500 invalid FirewallPolicy rules used to make every status write fail (each error repeated the CIDR regex), so
// the stored status stayed stale forever. Through the real validator, hub and publisher, against a writer that
// refuses what SSM refuses, the document now fits and keeps every controller's verdict.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { firewallPolicyKind } from '../crds-equivalent/firewall-policy.js';
import { EventRecorder } from './event-recorder.js';
import { SpecValidator } from './spec-validation.js';
import { SSM_VALUE_LIMIT_BYTES } from './status-fit.js';
import { StatusHub } from './status-hub.js';
import { StatusPublisher, type StatusWriter } from './status-publisher.js';
import type { InstanceStatus } from './status-types.js';

const KINDS = ['SourceNat', 'ElasticIp', 'AzRoutes', 'SourceDestCheck', 'PortForward', 'ForwardProxy'];

/** Refuses a value over the tier's limit the way SSM does (ValidationException), else keeps it. */
function ssmLikeWriter(maxBytes: number): { write: StatusWriter; stored: () => InstanceStatus | undefined } {
  let stored: string | undefined;
  const write: StatusWriter = Object.assign(
    (_name: string, value: string) => {
      if (Buffer.byteLength(value, 'utf8') > maxBytes)
        return Promise.reject(Object.assign(new Error('value too large'), { name: 'ValidationException' }));
      stored = value;
      return Promise.resolve();
    },
    { maxBytes },
  );
  return { write, stored: () => (stored === undefined ? undefined : (JSON.parse(stored) as InstanceStatus)) };
}

beforeEach(() => void jest.useFakeTimers({ now: Date.parse('2025-01-01T00:00:00Z') }));
afterEach(() => void jest.useRealTimers());

describe('a status document with 500 invalid FirewallPolicy rules', () => {
  it.each([SSM_VALUE_LIMIT_BYTES.Standard, SSM_VALUE_LIMIT_BYTES.Advanced])('fits %i bytes', async (limit) => {
    const clock = (): Date => new Date();
    const hub = new StatusHub({
      instanceId: 'i-0123456789abcdef0',
      gateway: '/cloudspectra/gw',
      operatorVersion: '0.1.0',
      clock,
      events: new EventRecorder('i-1', clock),
    });
    const { write, stored } = ssmLikeWriter(limit);
    const errors: Error[] = [];
    const publisher = new StatusPublisher({
      path: '/cloudspectra/gw/status/i-1',
      write,
      minIntervalMs: 1000,
      now: () => Date.now(),
      onError: (e) => errors.push(e),
    });
    hub.status$.subscribe((s) => publisher.offer(s));

    for (const kind of KINDS) {
      const desired = { name: 'default', generation: 3, spec: {} };
      hub.register(kind)({ type: 'converged', desired, applied: true, details: { mode: 'x' }, warnings: [] });
    }
    const rules = Array.from({ length: 500 }, (_, i) => ({ action: 'allow', sourceCidrs: [`10.${i % 250}.0.0/40`] }));
    const validation = new SpecValidator([firewallPolicyKind]).validate(firewallPolicyKind, { rules });
    if (validation.ok) throw new Error('500 bad rules validated');
    hub.register(firewallPolicyKind.kind)({
      type: 'invalidSpec',
      name: 'default',
      generation: 9,
      errors: validation.errors,
      keepsLastGood: false,
    });
    await jest.advanceTimersByTimeAsync(5000);

    expect(errors).toEqual([]);
    expect(publisher.health().ok).toBe(true);
    const document = stored();
    expect(document?.controllers.FirewallPolicy?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec', observedGeneration: 9 }),
    );
    expect(document?.controllers.FirewallPolicy?.conditions[0]?.message).toMatch(/… and \d+ more$/);
    for (const kind of KINDS)
      expect(document?.controllers[kind]?.conditions.map((c) => [c.type, c.status])).toEqual([
        ['Ready', 'True'],
        ['Progressing', 'False'],
        ['Degraded', 'False'],
      ]);
  });
});
