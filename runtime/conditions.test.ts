import { describe, expect, it } from '@jest/globals';
import { findCondition, setCondition } from './conditions.js';
import type { Condition } from './status-types.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';
const T2 = '2025-01-01T00:02:00.000Z';

describe('setCondition', () => {
  it('adds a new condition stamped with now', () => {
    expect(
      setCondition([], { type: 'Ready', status: 'True', reason: 'Applied', message: 'ok', observedGeneration: 3 }, T0),
    ).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Applied',
        message: 'ok',
        observedGeneration: 3,
        lastTransitionTime: T0,
      },
    ]);
  });

  it('keeps lastTransitionTime when only reason, message or generation change', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Applied', message: 'generation 1 applied', observedGeneration: 1 },
      T0,
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Converged', message: 'generation 2 applied', observedGeneration: 2 },
      T1,
    );
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Converged',
        message: 'generation 2 applied',
        observedGeneration: 2,
        lastTransitionTime: T0,
      },
    ]);
  });

  it('moves lastTransitionTime when the status flips, and again when it flips back', () => {
    let conditions = setCondition([], { type: 'Ready', status: 'True', reason: 'Applied', message: '' }, T0);
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'ApplyFailed', message: '' }, T1);
    expect(findCondition(conditions, 'Ready')?.lastTransitionTime).toBe(T1);
    conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'Applied', message: '' }, T2);
    expect(findCondition(conditions, 'Ready')?.lastTransitionTime).toBe(T2);
  });

  it('treats Unknown as a status of its own', () => {
    const unknown = setCondition([], { type: 'Ready', status: 'Unknown', reason: 'Initializing', message: '' }, T0);
    expect(
      setCondition(unknown, { type: 'Ready', status: 'False', reason: 'X', message: '' }, T1)[0]?.lastTransitionTime,
    ).toBe(T1);
  });

  it('updates one type in place and leaves the others (and their order) alone', () => {
    const start: Condition[] = [
      { type: 'Ready', status: 'True', reason: 'Applied', message: '', lastTransitionTime: T0 },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: T0 },
    ];
    const next = setCondition(
      start,
      { type: 'Degraded', status: 'True', reason: 'SysctlUnavailable', message: 'x' },
      T1,
    );
    expect(next.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ['Ready', 'True', T0],
      ['Degraded', 'True', T1],
    ]);
  });

  it('drops observedGeneration when the update has none', () => {
    const withGen = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'A', message: '', observedGeneration: 4 },
      T0,
    );
    expect(
      setCondition(withGen, { type: 'Ready', status: 'True', reason: 'A', message: '' }, T1)[0],
    ).not.toHaveProperty('observedGeneration');
  });

  it('does not mutate its input', () => {
    const start: Condition[] = [
      { type: 'Ready', status: 'True', reason: 'Applied', message: '', lastTransitionTime: T0 },
    ];
    const copy = structuredClone(start);
    setCondition(start, { type: 'Ready', status: 'False', reason: 'ApplyFailed', message: 'boom' }, T1);
    expect(start).toEqual(copy);
  });
});
