import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot, StoredResource } from './controller.js';
import { describeRejection, ResourceAdmission, type ConflictCheck } from './resource-admission.js';
import type { Validation } from './spec-validation.js';

interface Spec {
  ports: number[];
}

const validate = (raw: unknown): Validation<Spec> => {
  const ports = (raw as { ports?: unknown }).ports;
  return Array.isArray(ports) && ports.every((p) => Number.isInteger(p) && p > 0)
    ? { ok: true, value: { ports: ports as number[] } }
    : { ok: false, errors: ['spec.ports: must be positive integers'] };
};

const samePort: ConflictCheck<Spec> = (candidate, admitted) => {
  for (const other of admitted) {
    const port = candidate.spec.ports.find((p) => other.spec.ports.includes(p));
    if (port !== undefined) return `port ${port} is already forwarded by ${other.name}`;
  }
  return undefined;
};

const resource = (name: string, generation: number, ports: unknown, modifiedAt: string): StoredResource => ({
  name,
  generation,
  value: JSON.stringify({ ports }),
  modifiedAt,
});
const snapshot = (...resources: StoredResource[]): KindSnapshot => ({ kind: 'PortForward', resources });

describe('ResourceAdmission', () => {
  it('admits in write order, so the later claim of a port is rejected whatever the names', () => {
    const admission = new ResourceAdmission(validate, samePort);
    const result = admission.admit(
      snapshot(
        resource('a-late', 1, [80], '2026-11-22T10:00:00Z'),
        resource('z-early', 3, [80, 443], '2026-11-22T09:00:00Z'),
      ),
    );
    expect(result.admitted.map((a) => a.name)).toEqual(['z-early']);
    expect(result.rejected).toEqual([
      { name: 'a-late', generation: 1, errors: ['port 80 is already forwarded by z-early'] },
    ]);
    expect(describeRejection('PortForward', result.rejected[0]!)).toBe(
      'PortForward/a-late generation 1 rejected: port 80 is already forwarded by z-early; none of it is applied',
    );
  });

  it('keeps the last admitted generation of a resource running when an edit is invalid or conflicts', () => {
    const admission = new ResourceAdmission(validate, samePort);
    admission.admit(snapshot(resource('web', 1, [80], 't1'), resource('api', 1, [8080], 't2')));
    const invalid = admission.admit(snapshot(resource('web', 2, [-1], 't3'), resource('api', 1, [8080], 't2')));
    expect(invalid.admitted).toEqual([
      { name: 'api', generation: 1, spec: { ports: [8080] } },
      { name: 'web', generation: 1, spec: { ports: [80] } },
    ]);
    expect(invalid.rejected).toEqual([
      { name: 'web', generation: 2, errors: ['spec.ports: must be positive integers'], running: 1 },
    ]);
    const conflicting = admission.admit(snapshot(resource('web', 3, [8080], 't4'), resource('api', 1, [8080], 't2')));
    expect(conflicting.admitted.map((a) => `${a.name}@${a.generation}`)).toEqual(['api@1', 'web@1']);
    expect(conflicting.rejected[0]).toMatchObject({ name: 'web', generation: 3, running: 1 });
  });

  it('forgets deleted resources and drops a fallback that no longer fits', () => {
    const admission = new ResourceAdmission(validate, samePort);
    admission.admit(snapshot(resource('web', 1, [80], 't1')));
    admission.admit(snapshot());
    const result = admission.admit(snapshot(resource('web', 2, 'junk', 't2')));
    expect(result).toEqual({
      admitted: [],
      rejected: [{ name: 'web', generation: 2, errors: ['spec.ports: must be positive integers'] }],
      holdAsFound: false,
    });
  });

  it('holds the data plane as found only while nothing has been admitted since start', () => {
    const restarted = new ResourceAdmission(validate, samePort);
    expect(restarted.admit(snapshot(resource('web', 2, 'junk', 't1'))).holdAsFound).toBe(true);
    expect(restarted.admit(snapshot()).holdAsFound).toBe(false);
    const running = new ResourceAdmission(validate, samePort);
    expect(running.admit(snapshot(resource('web', 1, [80], 't1'))).holdAsFound).toBe(false);
    // web deleted while an unrelated resource never validated: the deletion must still take effect.
    expect(running.admit(snapshot(resource('api', 1, 'junk', 't2'))).holdAsFound).toBe(false);
  });

  it('reports unparseable JSON as a rejection, not a crash', () => {
    const result = new ResourceAdmission(validate, samePort).admit(
      snapshot({ name: 'x', generation: 1, value: '{', modifiedAt: 't' }),
    );
    expect(result.rejected[0]?.errors[0]).toMatch(/not valid JSON/);
  });
});
