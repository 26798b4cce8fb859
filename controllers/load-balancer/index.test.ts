import { describe, expect, it } from '@jest/globals';
import { firstValueFrom, take, toArray } from 'rxjs';
import type { NftOp } from '../../renderers/nft/model.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import { FakeIpvs } from '../../testing/fake-ipvs.js';
import { FakeMembership } from '../../testing/fake-membership.js';
import { FakeNft } from '../../testing/fake-nft.js';
import { createLoadBalancerController } from './index.js';

const signal = new AbortController().signal;

const snapshot = (names: string[]): KindSnapshot => ({
  kind: 'LoadBalancer',
  resources: names.map((name, i) => ({
    name,
    generation: 1,
    value: JSON.stringify({ listener: { port: 8000 + i }, targets: { static: [{ address: '10.0.0.1' }] } }),
  })),
});

/** An nft that refuses every check: a kernel without nat or numgen. */
class RefusingNft extends FakeNft {
  override check(_ops: readonly NftOp[]): Promise<void> {
    return Promise.reject(new Error('Could not process rule: No such file or directory'));
  }
}

describe('createLoadBalancerController: the kernel path', () => {
  it('takes IPVS when ipvsadm and ip_vs are there, and says so', async () => {
    const c = createLoadBalancerController({
      nft: new FakeNft(),
      ipvs: new FakeIpvs(),
      membership: new FakeMembership(),
    });
    expect(await c.probe(signal)).toMatchObject({ ok: true, details: { mechanism: 'ipvs' } });
  });

  it('falls back to nftables without ip_vs', async () => {
    const ipvs = new FakeIpvs();
    ipvs.unavailable = "Can't initialize ipvs: Protocol not available";
    const c = createLoadBalancerController({ nft: new FakeNft(), ipvs, membership: new FakeMembership() });
    expect(await c.probe(signal)).toMatchObject({ ok: true, details: { mechanism: 'nftables' } });
  });

  it('is inert with both reasons when neither path works', async () => {
    const ipvs = new FakeIpvs();
    ipvs.unavailable = 'no ip_vs';
    const c = createLoadBalancerController({ nft: new RefusingNft(), ipvs, membership: new FakeMembership() });
    const probe = await c.probe(signal);
    expect(probe).toMatchObject({ ok: false, reason: 'KernelFeatureMissing' });
    expect(probe.message).toContain('neither IPVS (no ip_vs) nor nftables');
  });

  it('a forced IPVS path without ip_vs is inert rather than silently nftables', async () => {
    const ipvs = new FakeIpvs();
    ipvs.unavailable = 'no ip_vs';
    const c = createLoadBalancerController({
      nft: new FakeNft(),
      ipvs,
      membership: new FakeMembership(),
      mechanism: 'ipvs',
    });
    expect(await c.probe(signal)).toMatchObject({ ok: false, message: 'IPVS unavailable: no ip_vs' });
  });
});

describe('createLoadBalancerController: membership', () => {
  it('asks the tracker for each admitted resource, and tells it to forget removed ones', async () => {
    const membership = new FakeMembership();
    const c = createLoadBalancerController({ nft: new FakeNft(), membership, mechanism: 'nftables' });
    for (const names of [['a', 'b'], ['b']]) {
      const decoded = c.decode(snapshot(names));
      if (!decoded.ok) throw new Error('decode failed');
      await c.observe(signal, { full: true, desired: decoded.desired });
    }
    expect(membership.calls.map((call) => call.resource)).toEqual(['a', 'b', 'b']);
    expect(membership.calls[0]?.spec).toEqual({
      targets: { static: [{ address: '10.0.0.1', weight: 1 }] },
      defaultPort: 8000,
      healthCheck: { source: 'none' },
      syncIntervalSeconds: 15,
    });
    expect(membership.forgotten).toEqual(['a']);
  });

  it('asks to be observed between resyncs while it has services', async () => {
    const c = createLoadBalancerController({ nft: new FakeNft(), membership: new FakeMembership(), tickMs: 5 });
    const decoded = c.decode(snapshot(['a']));
    if (!decoded.ok) throw new Error('decode failed');
    await c.observe(signal, { full: true, desired: decoded.desired });
    const changes$ = c.changes$;
    if (!changes$) throw new Error('no changes$');
    expect(await firstValueFrom(changes$.pipe(take(2), toArray()))).toHaveLength(2);
  });
});
