import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cidrContains, cidrRange, numberToIpv4 } from '../../runtime/net/cidr.js';
import { fwd, pfHarness, pfSnapshotArb, decoded } from '../../testing/port-forward-fixtures.js';
import type { Forward } from './forwards.js';
import { translate, type ForwardPacket } from './translate.js';
import type { PortForwardDesired } from './types.js';

const desired = (forwards: Forward[]): PortForwardDesired => ({ forwards, resources: [], rejected: [] });
const packet = (over: Partial<ForwardPacket> = {}): ForwardPacket => ({
  src: '198.51.100.2',
  dst: '203.0.113.1',
  dstIsLocal: true,
  protocol: 'tcp',
  dport: 8080,
  ...over,
});

const FORWARDS = desired([
  fwd(),
  fwd({ rule: 1, listenField: 'listenPortRange', listen: { first: 8000, last: 8010 }, destinationPort: undefined }),
  fwd({
    resource: 'ssh',
    listen: { first: 2222, last: 2222 },
    destinationIp: '10.0.1.9',
    destinationPort: 22,
    sources: ['203.0.113.0/24'],
    masquerade: false,
  }),
  fwd({
    resource: 'dns',
    protocol: 'udp',
    listen: { first: 53, last: 53 },
    destinationIp: '10.0.1.53',
    destinationPort: undefined,
    masquerade: false,
  }),
]);

describe('translate', () => {
  it.each([
    [
      'a port-rewriting forward',
      packet(),
      { resource: 'web', rule: 0, destinationIp: '10.0.1.5', destinationPort: 80, masquerade: true, map: 'any_port' },
    ],
    [
      'a port-keeping single port from any source, no masquerade',
      packet({ protocol: 'udp', dport: 53 }),
      { resource: 'dns', rule: 0, destinationIp: '10.0.1.53', destinationPort: 53, masquerade: false, map: 'any_keep' },
    ],
    [
      'a port-keeping range',
      packet({ dport: 8004 }),
      { resource: 'web', rule: 1, destinationIp: '10.0.1.5', destinationPort: 8004, masquerade: true, map: 'fwd_keep' },
    ],
    [
      'an allowed source, no masquerade',
      packet({ src: '203.0.113.77', dport: 2222 }),
      { resource: 'ssh', rule: 0, destinationIp: '10.0.1.9', destinationPort: 22, masquerade: false, map: 'fwd_port' },
    ],
  ])('forwards %s', (_what, p, expected) => {
    expect(translate(FORWARDS, p)).toEqual({ forwarded: true, ...expected });
  });

  it.each([
    ['a source outside allowedSourceCidrs', packet({ dport: 2222 }), 'no forward for tcp port 2222 from 198.51.100.2'],
    [
      'another protocol on a forwarded port',
      packet({ protocol: 'udp' }),
      'no forward for udp port 8080 from 198.51.100.2',
    ],
    ['a port after the range', packet({ dport: 8011 }), 'no forward for tcp port 8011 from 198.51.100.2'],
    [
      'traffic passing through to another host',
      packet({ dst: '10.0.1.20', dstIsLocal: false }),
      '10.0.1.20 is not an address of the gateway',
    ],
    ['icmp', packet({ protocol: 'icmp', dport: undefined }), 'only tcp and udp connections are forwarded'],
  ])('does not forward %s', (_what, p, reason) => {
    expect(translate(FORWARDS, p)).toEqual({ forwarded: false, reason });
  });

  it('reads masquerade from the targets set: a target shared by two forwards is masqueraded for both', () => {
    const shared = desired([fwd(), fwd({ rule: 1, listen: { first: 9090, last: 9090 } })]);
    expect(translate(shared, packet({ dport: 9090 }))).toMatchObject({ rule: 1, masquerade: true });
  });

  it('agrees with the spec for random resources and packets (after admission)', () => {
    const packetArb = fc.record({
      srcPick: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      protocol: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
      dport: fc.integer({ min: 1, max: 70 }),
    });
    fc.assert(
      fc.property(pfSnapshotArb, fc.array(packetArb, { minLength: 1, maxLength: 20 }), (snapshot, packets) => {
        const { forwards } = decoded(pfHarness().controller, snapshot).spec;
        const sources = forwards.flatMap((f) => f.sources);
        for (const { srcPick, protocol, dport } of packets) {
          // Half the sources fall inside some rule's allowed networks, the rest anywhere.
          const cidr = sources[srcPick % Math.max(1, sources.length * 2)];
          const src = numberToIpv4(
            cidr ? cidrRange(cidr).first + (srcPick % 2 ** (32 - Number(cidr.split('/')[1]))) : srcPick,
          );
          const got = translate(desired(forwards), packet({ src, protocol, dport }));
          const want = forwards.find(
            (f) =>
              f.protocol === protocol &&
              f.listen.first <= dport &&
              dport <= f.listen.last &&
              f.sources.some((s) => cidrContains(s, src)),
          );
          expect(got).toMatchObject(
            want
              ? {
                  forwarded: true,
                  resource: want.resource,
                  rule: want.rule,
                  destinationIp: want.destinationIp,
                  destinationPort: want.destinationPort ?? dport,
                  masquerade: want.masquerade,
                }
              : { forwarded: false },
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
