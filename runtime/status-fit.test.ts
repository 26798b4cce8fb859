import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fitStatus, summarizeMessage, utf8Bytes, SSM_VALUE_LIMIT_BYTES } from './status-fit.js';
import type { Condition, ControllerStatus, InstanceStatus } from './status-types.js';

const status = (controllers: ControllerStatus[]): InstanceStatus => ({
  instanceId: 'i-0123456789abcdef0',
  gateway: '/cloudspectra/gw',
  operatorVersion: '0.1.0',
  updatedAt: '2025-01-01T00:00:00.000Z',
  controllers: Object.fromEntries(controllers.map((c) => [c.kind, c])),
  leases: {},
});

/** Any text, including multi-byte and astral characters, so bytes and characters differ. */
const text = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc
      .array(fc.constantFrom('spec.rules[1].sourceCidrs[0]: bad', 'é', '🔥', 'x'), { maxLength })
      .map((a) => a.join('; ')),
  );

const condition: fc.Arbitrary<Condition> = fc.record({
  type: fc.constantFrom('Ready', 'Progressing', 'Degraded', 'CrashLoop'),
  status: fc.constantFrom('True' as const, 'False' as const, 'Unknown' as const),
  reason: fc.stringMatching(/^[A-Z][A-Za-z]{0,30}$/),
  message: text(1500),
  observedGeneration: fc.option(fc.nat(100_000), { nil: undefined }),
  lastTransitionTime: fc.constant('2025-01-01T00:00:00.000Z'),
});

const controller: fc.Arbitrary<ControllerStatus> = fc.record({
  kind: fc.stringMatching(/^[A-Z][A-Za-z]{2,20}$/),
  name: fc.option(fc.stringMatching(/^[a-z0-9-]{1,40}$/), { nil: undefined }),
  phase: fc.constantFrom('waiting', 'inert', 'backingOff'),
  conditions: fc.uniqueArray(condition, { selector: (c) => c.type, maxLength: 4 }),
  details: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
});

const statuses = fc.uniqueArray(controller, { selector: (c) => c.kind, maxLength: 9 }).map(status);

/** Per controller, what no fitting may drop: each condition's type, status, reason and generation. */
const compact = (s: InstanceStatus): unknown =>
  Object.values(s.controllers).map((c) => [
    c.kind,
    c.conditions.map((x) => [x.type, x.status, x.reason, x.observedGeneration ?? null]),
  ]);

describe('fitStatus', () => {
  it('always fits the limit in UTF-8 bytes, is valid JSON, and keeps the type, status and reason of each condition', () => {
    fc.assert(
      fc.property(
        statuses,
        fc.constantFrom(SSM_VALUE_LIMIT_BYTES.Standard, SSM_VALUE_LIMIT_BYTES.Advanced),
        (s, limit) => {
          const json = fitStatus(s, limit);
          expect(utf8Bytes(json)).toBeLessThanOrEqual(limit);
          const parsed = JSON.parse(json) as InstanceStatus;
          // Only a status whose bare conditions alone overflow the limit may lose them (the minimal document).
          if (utf8Bytes(JSON.stringify(compact(s))) > limit) return;
          expect(compact(parsed)).toEqual(compact(s));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is deterministic, and leaves a status that fits untouched', () => {
    fc.assert(
      fc.property(statuses, (s) => {
        expect(fitStatus(s, 4096)).toBe(fitStatus(structuredClone(s), 4096));
        const whole = JSON.stringify(s);
        if (utf8Bytes(whole) <= 4096) expect(fitStatus(s, 4096)).toBe(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('marks a shortened document truncated, summarising messages before dropping details', () => {
    const errors = Array.from({ length: 500 }, (_, i) => `spec.rules[${i}].sourceCidrs[0]: must be an IPv4 CIDR`);
    const c: ControllerStatus = {
      kind: 'FirewallPolicy',
      phase: 'inert',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: errors.join('; '), lastTransitionTime: 't' },
      ],
      details: { groups: 3 },
    };
    const parsed = JSON.parse(fitStatus(status([c]), 4096)) as InstanceStatus;
    expect(parsed.truncated).toBe(true);
    expect(parsed.controllers.FirewallPolicy?.details).toEqual({ groups: 3 });
    expect(parsed.controllers.FirewallPolicy?.conditions[0]?.message).toMatch(
      /^spec\.rules\[0\]\.sourceCidrs\[0\]: must be an IPv4 CIDR; .*; … and 4\d\d more$/,
    );
  });
});
it('drops the messages of healthy conditions before it cuts any detail or any problem message', () => {
  const healthy = (kind: string): ControllerStatus => ({
    kind,
    phase: 'converged',
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Converged', message: 'x'.repeat(300), lastTransitionTime: 't' },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'y'.repeat(300), lastTransitionTime: 't' },
    ],
    details: { networkInterfaceId: 'eni-0123', items: Array.from({ length: 30 }, (_, i) => i) },
  });
  const sick: ControllerStatus = {
    kind: 'ElasticIp',
    phase: 'degraded',
    conditions: [
      { type: 'Ready', status: 'False', reason: 'AwsApiError', message: 'z'.repeat(300), lastTransitionTime: 't' },
    ],
    details: { networkInterfaceId: 'eni-0456' },
  };
  const all = [...['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'].map(healthy), sick];
  const whole = JSON.stringify(status(all)).length;
  const parsed = JSON.parse(fitStatus(status(all), whole - 1000)) as InstanceStatus;
  expect(parsed.truncated).toBe(true);
  expect(parsed.controllers.A?.conditions.map((c) => c.message)).toEqual(['', '']);
  expect(parsed.controllers.A?.details).toEqual(healthy('A').details);
  expect(parsed.controllers.ElasticIp?.conditions[0]?.message).toBe('z'.repeat(300));
});

describe('summarizeMessage', () => {
  it('de-duplicates parts and counts what it leaves out', () => {
    expect(summarizeMessage('a; b; a; b; c', 100)).toBe('a; b; c');
    expect(summarizeMessage('one; two; three; four', 18)).toBe('one; … and 3 more');
    expect(summarizeMessage('a very long single part', 10)).toBe('a very lo…');
    expect(summarizeMessage('a very long first part; b', 15)).toBe('a v… and 1 more');
  });

  it('never exceeds maxChars code points and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(text(400), fc.nat(200), (message, max) => {
        const out = summarizeMessage(message, max);
        expect([...out].length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      }),
    );
  });
});
