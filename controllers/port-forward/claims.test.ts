import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Admitted } from '../../runtime/resource-admission.js';
import { fwd, pfSpecArb } from '../../testing/port-forward-fixtures.js';
import { ClaimIndex } from './claims.js';
import { portForwardConflicts } from './decode.js';
import { forwardsOf, listenClashes, masqueradeClashes } from './forwards.js';
import { validatePortForwardSpec, type PortForwardSpec } from './spec.js';

describe('ClaimIndex', () => {
  it('finds the claim reaching furthest among those starting at or below the end, under the same key only', () => {
    const index = new ClaimIndex();
    const a = fwd({ rule: 0 });
    const b = fwd({ rule: 1 });
    const c = fwd({ rule: 2 });
    index.add([
      { key: 'tcp', claim: { range: { first: 10, last: 50 }, forward: a } },
      { key: 'tcp', claim: { range: { first: 20, last: 25 }, forward: b } },
    ]);
    index.add([{ key: 'udp', claim: { range: { first: 60, last: 70 }, forward: c } }]);
    expect(index.overlapping('tcp', { first: 30, last: 30 })).toBe(a);
    expect(index.overlapping('tcp', { first: 1, last: 10 })).toBe(a);
    expect(index.overlapping('tcp', { first: 51, last: 90 })).toBeUndefined();
    expect(index.overlapping('tcp', { first: 1, last: 9 })).toBeUndefined();
    expect(index.overlapping('udp', { first: 65, last: 65 })).toBe(c);
    expect(index.overlapping('sctp', { first: 65, last: 65 })).toBeUndefined();
  });
});

describe('portForwardConflicts', () => {
  const specArb = pfSpecArb.map((spec) => {
    const valid = validatePortForwardSpec(spec);
    if (!valid.ok) throw new Error('pfSpecArb made an invalid spec');
    return valid.value;
  });

  it('rejects a resource exactly when one of its rules clashes with an admitted one (against a full sweep)', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), (specs) => {
        const check = portForwardConflicts(Number.MAX_SAFE_INTEGER);
        // As ResourceAdmission does: one array per decode, appended to as resources are admitted.
        const admitted: Admitted<PortForwardSpec>[] = [];
        specs.forEach((spec, i) => {
          const candidate = { name: `r${i}`, generation: 1, spec };
          const all = [...admitted, candidate].flatMap((a) => forwardsOf(a.name, a.spec));
          const clashes = listenClashes(all).length + masqueradeClashes(all).length;
          const why = check(candidate, admitted);
          expect(why === undefined).toBe(clashes === 0);
          if (why === undefined) admitted.push(candidate);
        });
      }),
      { numRuns: 300 },
    );
  });
});
