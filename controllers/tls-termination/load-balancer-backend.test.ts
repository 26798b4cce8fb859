import { describe, expect, it } from '@jest/globals';
import { loadBalancerLookup } from './load-balancer-backend.js';

const related = (listener: unknown) => ({
  LoadBalancer: [{ name: 'lb', generation: 1, value: JSON.stringify({ listener, targets: { static: [] } }) }],
});

describe('loadBalancerLookup', () => {
  it("connects to the LoadBalancer's listener address and port", () => {
    const lookup = loadBalancerLookup('LoadBalancer');
    expect(lookup('lb', related({ port: 8443, address: '10.0.0.5' }), 'web')).toEqual({
      address: '10.0.0.5',
      port: 8443,
    });
    expect(lookup('lb', related({ protocol: 'TCP', port: 80, address: '10.0.0.5' }), 'web')).toEqual({
      address: '10.0.0.5',
      port: 80,
    });
  });

  it.each([
    ['a missing LoadBalancer', 'other', related({ port: 80, address: '10.0.0.5' }), /other does not exist/],
    ['no LoadBalancers at all', 'lb', undefined, /lb does not exist/],
    ['a UDP listener', 'lb', related({ protocol: 'UDP', port: 53, address: '10.0.0.5' }), /HAProxy needs TCP/],
    ['no address', 'lb', related({ port: 80 }), /needs spec\.listener\.address/],
    ['an address that is not IPv4', 'lb', related({ port: 80, address: '10.0.0.5\nbind' }), /listener\.address/],
    ['a port out of range', 'lb', related({ port: 70000, address: '10.0.0.5' }), /no valid listener port/],
    ['no listener', 'lb', related(undefined), /no readable listener/],
  ])('says why for %s', (_, name, snapshot, reason) => {
    expect(loadBalancerLookup('LoadBalancer')(name, snapshot, 'web')).toEqual(expect.stringMatching(reason));
  });

  it('says why for a value that is not JSON', () => {
    const lookup = loadBalancerLookup('LoadBalancer');
    expect(lookup('lb', { LoadBalancer: [{ name: 'lb', generation: 1, value: '{' }] }, 'web')).toMatch(/no readable/);
  });

  it('keeps the last resolved listener, saying why, when a resolved LoadBalancer goes away or loses its address', () => {
    const lookup = loadBalancerLookup('LoadBalancer');
    const server = { address: '10.0.0.5', port: 8443 };
    expect(lookup('lb', related({ port: 8443, address: '10.0.0.5' }), 'web')).toEqual(server);
    expect(lookup('lb', undefined, 'web')).toEqual({ server, unresolved: expect.stringMatching(/lb does not exist/) });
    expect(lookup('lb', related({ port: 8443 }), 'web')).toEqual({
      server,
      unresolved: expect.stringMatching(/address/),
    });
    expect(lookup('lb', related({ port: 9443, address: '10.0.0.6' }), 'web')).toEqual({
      address: '10.0.0.6',
      port: 9443,
    });
    expect(lookup('other', undefined, 'web')).toMatch(/other does not exist/);
    // Another TlsTermination never resolved lb: it gets the reason, not web's old listener.
    expect(lookup('lb', undefined, 'shop')).toMatch(/lb does not exist/);
  });
});
