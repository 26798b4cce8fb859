import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot } from '../../runtime/controller.js';
import { createLoadBalancerDecoder, serviceIds } from './decode.js';

const statics = { static: [{ address: '10.0.0.1' }] };
const resource = (name: string, listener: Record<string, unknown>, second = 0, generation = 1) => ({
  name,
  generation,
  modifiedAt: `2025-01-01T00:00:${String(second).padStart(2, '0')}Z`,
  value: JSON.stringify({ listener, targets: statics }),
});
const snapshot = (...resources: ReturnType<typeof resource>[]): KindSnapshot => ({ kind: 'LoadBalancer', resources });

describe('createLoadBalancerDecoder: listener claims', () => {
  it('admits listeners that differ in protocol, port or address', () => {
    const decode = createLoadBalancerDecoder(10);
    const result = decode(
      snapshot(
        resource('a', { port: 80, address: '10.1.0.1' }),
        resource('b', { port: 80, address: '10.1.0.2' }, 1),
        resource('c', { port: 80, protocol: 'UDP' }, 2),
        resource('d', { port: 81 }, 3),
      ),
    );
    expect(result).toMatchObject({ ok: true, desired: { name: 'a,b,c,d', generation: 1 }, ignored: [] });
  });

  it('rejects the later claim of the same protocol/address/port, any address overlapping every address', () => {
    const decode = createLoadBalancerDecoder(10);
    const result = decode(
      snapshot(resource('first', { port: 443 }), resource('later', { port: 443, address: '10.1.0.1' }, 5)),
    );
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.services.map((s) => s.name)).toEqual(['first']);
    expect(result.ignored).toEqual([
      {
        name: 'later',
        reason:
          'LoadBalancer/later generation 1 rejected: spec.listener: TCP 10.1.0.1:443 is already claimed by ' +
          'LoadBalancer/first (TCP any address:443); none of it is applied',
      },
    ]);
  });

  it('keeps the last admitted generation running when an edit claims a taken listener', () => {
    const decode = createLoadBalancerDecoder(10);
    decode(snapshot(resource('a', { port: 80 }), resource('b', { port: 81 }, 1)));
    const result = decode(snapshot(resource('a', { port: 80 }), resource('b', { port: 80 }, 9, 2)));
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.services.map((s) => [s.name, s.spec.listener.port])).toEqual([
      ['a', 80],
      ['b', 81],
    ]);
    expect(result.desired.spec.rejected).toMatchObject([{ name: 'b', generation: 2, running: 1 }]);
  });

  it('rejects resources beyond the service limit; with none admitted the desired state owns nothing', () => {
    const result = createLoadBalancerDecoder(1)(snapshot(resource('a', { port: 80 }), resource('b', { port: 81 }, 1)));
    expect(result).toMatchObject({ ok: true, ignored: [{ name: 'b' }] });
    const none = createLoadBalancerDecoder(0)(snapshot(resource('a', { port: 80 })));
    expect(none).toMatchObject({ ok: true, desired: { spec: { services: [] } } });
    expect(none.ok && none.desired.name).toBeUndefined();
  });
});

describe('serviceIds', () => {
  it('gives each name a stable id in 1..0xffff, whatever else exists', () => {
    const alone = serviceIds(['web']).get('web');
    const among = serviceIds(['api', 'web', 'zeta']).get('web');
    expect(alone).toBe(among);
    expect(alone).toBeGreaterThanOrEqual(1);
    expect(alone).toBeLessThanOrEqual(0xffff);
  });

  it('never gives two names one id', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `lb-${i}`);
    expect(new Set(serviceIds(names).values()).size).toBe(names.length);
  });
});
