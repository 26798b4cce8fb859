import { describe, expect, it } from '@jest/globals';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { LeaseObservation, LeaseRecord } from '../../runtime/lease/record.js';
import { LeaseSampler } from './lease-sampler.js';

// The checks only, fed by hand: no Docker, no SSM (the client is never called before start()).
function read(version: number, holder: string, epoch: number, extra: Partial<LeaseRecord> = {}): LeaseObservation {
  const record: LeaseRecord = {
    holder,
    epoch,
    basedOn: version - 1,
    writeId: `${holder}/x/1`,
    leaseDurationMs: 3000,
    released: false,
    acquireTime: '',
    renewTime: '',
    ...extra,
  };
  return { version, record };
}

function sample(reads: LeaseObservation[]): LeaseSampler {
  const sampler = new LeaseSampler({} as SSMClient, '/cloudspectra/e2e/leases/cluster');
  for (const r of reads) sampler.observe(r);
  return sampler;
}

describe('LeaseSampler', () => {
  it('accepts renews, a release and a newer claim, and records each term once', () => {
    const s = sample([
      { version: 0 },
      read(1, 'gw-1', 1),
      read(2, 'gw-2', 2, { basedOn: 0 }), // a losing claim: grants nothing
      read(4, 'gw-1', 1),
      read(5, '', 1, { released: true }),
      read(6, 'gw-2', 6),
    ]);
    expect(s.violations).toEqual([]);
    expect(s.terms).toEqual([
      { holder: 'gw-1', epoch: 1, seenAtVersion: 1 },
      { holder: 'gw-2', epoch: 6, seenAtVersion: 6 },
    ]);
  });

  it.each([
    ['two holders of one epoch', [read(3, 'gw-1', 3), read(4, 'gw-2', 3)], /both hold epoch 3/],
    ['an epoch going back', [read(5, 'gw-1', 5), read(6, 'gw-2', 4)], /epoch went back from 5/],
    ['a release of an older term', [read(5, 'gw-1', 5), read(6, '', 2, { released: true })], /epoch went back/],
    ['an epoch above its version', [read(3, 'gw-1', 4)], /lies in the future/],
    ['a version going back', [read(5, 'gw-1', 5), read(4, 'gw-1', 3)], /version went back from 5 to 4/],
  ])('reports %s', (_name, reads, message) => {
    expect(sample(reads).violations.join('\n')).toMatch(message);
  });
});
