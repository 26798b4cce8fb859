import { describe, expect, it } from '@jest/globals';
import type { SysctlValue } from '../../runtime/ports.js';
import { clone } from '../../testing/fake-nft.js';
import { desiredState, hostSysctls, observedState } from '../../testing/source-nat-fixtures.js';
import { SYSCTL } from './names.js';
import { resolveNat } from './resolve.js';
import { sysctlWarnings } from './status.js';
import { buildNatTable } from './table.js';
import type { SourceNatObserved } from './types.js';

const VPC = ['10.0.0.0/16'];
const desired = desiredState({ egressInterface: 'ens5' });
const wantedTable = buildNatTable('default', desired.spec, resolveNat(desired.spec, observedState(), VPC));
const withTable = (over: Partial<SourceNatObserved> = {}): SourceNatObserved =>
  observedState({
    table: { table: clone(wantedTable), counters: [{ chain: 'postrouting', index: 0, packets: 42, bytes: 4200 }] },
    ...over,
  });
const sysctls = (over: Record<string, SysctlValue>): Record<string, SysctlValue> => hostSysctls(over);

describe('sysctlWarnings', () => {
  it('has no warnings when every wanted value is in place or writable', () => {
    const spec = desiredState({ conntrack: { max: 65536 } });
    expect(sysctlWarnings(spec.spec, withTable())).toEqual([]);
    expect(
      sysctlWarnings(
        spec.spec,
        withTable({ sysctls: sysctls({ [SYSCTL.conntrackMax]: { value: '65536', writable: false } }) }),
      ),
    ).toEqual([]);
  });
});
