import { describe, expect, it } from '@jest/globals';
import { desiredState, hostSysctls, observedState } from '../../testing/source-nat-fixtures.js';
import { SYSCTL } from './names.js';
import { sysctlWarnings } from './status.js';

// Warnings read only the sysctls: the table the observation holds does not matter to them.
describe('sysctlWarnings', () => {
  it('has no warnings when every wanted value is in place or writable', () => {
    const spec = desiredState({ conntrack: { max: 65536 } });
    expect(sysctlWarnings(spec.spec, observedState())).toEqual([]);
    expect(
      sysctlWarnings(
        spec.spec,
        observedState({ sysctls: hostSysctls({ [SYSCTL.conntrackMax]: { value: '65536', writable: false } }) }),
      ),
    ).toEqual([]);
  });
});
