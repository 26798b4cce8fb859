import { describe, expect, it } from '@jest/globals';
import type { NftOp } from '../../renderers/nft/model.js';
import type { NftPort } from '../../runtime/ports.js';
import { FakeNft } from '../../testing/fake-nft.js';
import {
  hostSysctls,
  natHarness,
  FULL,
  natSnapshot,
  reconcilePass,
  signal,
} from '../../testing/source-nat-fixtures.js';
import { createSourceNatController } from './index.js';
import { SYSCTL } from './names.js';
import { FakeSysctl } from '../../testing/fake-sysctl.js';
import { FakeHostNet } from '../../testing/fake-host-net.js';

function decoded(
  h: ReturnType<typeof natHarness>,
  spec: unknown,
  generation = 1,
): Parameters<typeof h.controller.plan>[0] {
  const result = h.controller.decode(natSnapshot(spec, generation));
  if (!result.ok) throw new Error(`decode failed: ${result.errors.join('; ')}`);
  return result.desired;
}

describe('SourceNat controller with in-memory ports', () => {
  it('converges in one pass: snapshot -> plan -> apply -> observe -> empty plan', async () => {
    const h = natHarness({
      sysctls: hostSysctls({
        [SYSCTL.ipForward]: { value: '0', writable: true },
        [SYSCTL.rpFilter]: { value: '1', writable: true },
      }),
    });
    const desired = decoded(h, { egressInterface: 'ens5', sourceCidrs: ['10.0.1.0/24'], conntrack: { max: 262144 } });
    const first = await reconcilePass(h.controller, desired);
    expect(first.map((a) => h.controller.describe(a))).toEqual([
      'replace nft table inet csgw_nat (TableMissing)',
      'set net.ipv4.ip_forward=1 (was 0)',
      'set net.ipv4.conf.all.rp_filter=2 (was 1)',
      'set net.netfilter.nf_conntrack_max=262144 (was 65536)',
    ]);
    expect(h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }))).toEqual([]);
    expect(h.nft.table('inet', 'csgw_nat')?.sets[0]?.elements).toEqual(['10.0.1.0/24']);
    expect(h.sysctl.get(SYSCTL.ipForward)).toBe('1');
    expect(h.nft.transactions).toHaveLength(1);
  });

  it('resolves defaults from the host: egress from the default route, sources from connected networks', async () => {
    const h = natHarness();
    const desired = decoded(h, {});
    await reconcilePass(h.controller, desired);
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.details(desired, observed)).toMatchObject({
      table: 'inet csgw_nat',
      mode: 'masquerade',
      enabled: true,
      egressInterface: 'ens5',
      egressInterfaceSource: 'defaultRoute',
      sourceCidrs: ['10.0.1.0/24'],
      sourceCidrsSource: 'connectedNetworks',
    });
  });

  it('prefers the VPC CIDRs it was wired with over connected networks', async () => {
    const h = natHarness({ vpcCidrs: ['10.0.0.0/16'] });
    await reconcilePass(h.controller, decoded(h, {}));
    expect(h.nft.table('inet', 'csgw_nat')?.sets[0]?.elements).toEqual(['10.0.0.0/16']);
  });

  it('reports translated connections (the nat chain counter) in details', async () => {
    const h = natHarness();
    const desired = decoded(h, { mode: 'snat', snatAddress: '203.0.113.5' });
    await reconcilePass(h.controller, desired);
    h.nft.setCounter('inet', 'csgw_nat', { chain: 'postrouting', index: 0 }, { packets: 17, bytes: 1700 });
    const details = h.controller.details(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    expect(details).toMatchObject({ mode: 'snat', counters: { translatedConnections: 17 } });
  });

  it('repairs drift: a table deleted or edited out of band is replaced on the next pass', async () => {
    const h = natHarness();
    const desired = decoded(h, {});
    await reconcilePass(h.controller, desired);
    const wanted = h.nft.table('inet', 'csgw_nat');
    h.nft.mutate('inet', 'csgw_nat', (t) => void t.sets[1]?.elements.push('8.8.8.8/32'));
    expect((await reconcilePass(h.controller, desired)).map((a) => a.op === 'replaceTable' && a.reason)).toEqual([
      'TableDiffers',
    ]);
    h.nft.deleteTableOutOfBand('inet', 'csgw_nat');
    expect((await reconcilePass(h.controller, desired)).map((a) => a.op === 'replaceTable' && a.reason)).toEqual([
      'TableMissing',
    ]);
    expect(h.nft.table('inet', 'csgw_nat')).toEqual(wanted);
  });

  it('removes its table when the spec is disabled, and when the resource is deleted', async () => {
    for (const snapshot of [natSnapshot({ enable: false }, 2), { kind: 'SourceNat', resources: [] }]) {
      const h = natHarness();
      await reconcilePass(h.controller, decoded(h, {}));
      const result = h.controller.decode(snapshot);
      if (!result.ok) throw new Error('decode failed');
      await reconcilePass(h.controller, result.desired);
      expect(h.nft.table('inet', 'csgw_nat')).toBeUndefined();
      const observed = await h.controller.observe(signal(), { ...FULL, desired: result.desired });
      expect(h.controller.plan(result.desired, observed)).toEqual([]);
    }
  });

  it('a refused nft commit writes no sysctl (the table goes first, all or nothing)', async () => {
    const h = natHarness({ sysctls: hostSysctls({ [SYSCTL.ipForward]: { value: '0', writable: true } }) });
    const desired = decoded(h, {});
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.nft.failNextCommit('netlink: Operation not permitted');
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'ApplyFailed' });
    expect(h.sysctl.writes).toEqual([]);
    expect(h.nft.tableKeys()).toEqual([]);
  });

  it('warns about tuning the host refuses, and stops warning when disabled', async () => {
    const h = natHarness({ sysctls: hostSysctls({ [SYSCTL.conntrackMax]: { value: '65536', writable: false } }) });
    const desired = decoded(h, { conntrack: { max: 262144 } });
    await reconcilePass(h.controller, desired);
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.warnings(desired, observed)).toEqual([
      {
        reason: 'Unsupported',
        message: 'net.netfilter.nf_conntrack_max=262144 not applied: read-only in this network namespace',
      },
    ]);
    expect(h.controller.warnings(decoded(h, { enable: false, conntrack: { max: 262144 } }), observed)).toEqual([]);
  });

  it('a knob the kernel refuses although it looked writable fails one apply, then is Unsupported and never retried', async () => {
    const refusing = { value: '65536', writable: true, refusesWrites: true };
    const h = natHarness({ sysctls: hostSysctls({ [SYSCTL.conntrackMax]: refusing }) });
    const desired = decoded(h, { conntrack: { max: 262144 } });
    await expect(reconcilePass(h.controller, desired)).rejects.toMatchObject({ reason: 'SysctlUnavailable' });
    for (let pass = 0; pass < 3; pass += 1) {
      const observed = await h.controller.observe(signal(), { ...FULL, desired });
      expect(h.controller.plan(desired, observed).map((a) => h.controller.describe(a))).toEqual([]);
      expect(h.controller.warnings(desired, observed)).toEqual([
        {
          reason: 'Unsupported',
          message: 'net.netfilter.nf_conntrack_max=262144 not applied: read-only in this network namespace',
        },
      ]);
    }
    expect(h.sysctl.refused).toEqual([{ key: SYSCTL.conntrackMax, value: '262144' }]);
    expect(h.nft.table('inet', 'csgw_nat')).toBeDefined();
  });
});

describe('SourceNat owns ip_forward for PortForward', () => {
  const withForwards = (resources: unknown[]): Parameters<ReturnType<typeof natHarness>['controller']['plan']>[0] => {
    const related = { PortForward: resources.map((_, i) => ({ name: `pf${i}`, generation: 1, value: '{}' })) };
    const result = natHarness().controller.decode({ kind: 'SourceNat', resources: [], related });
    if (!result.ok) throw new Error('decode failed');
    return result.desired;
  };

  it('watches PortForward, so a forward coming or going reconciles it', () => {
    expect(natHarness().controller.watches?.map((k) => k.kind)).toEqual(['PortForward']);
  });

  it('decodes the PortForward resources as the users of forwarding, and none as none', () => {
    expect(withForwards([1, 2]).spec).toEqual({
      enable: false,
      mode: 'masquerade',
      forwardingFor: ['PortForward/pf0', 'PortForward/pf1'],
    });
    expect(withForwards([]).spec).toEqual({ enable: false, mode: 'masquerade' });
  });

  it('with no SourceNat resource, turns forwarding on for a PortForward, converges, and reports who needs it', async () => {
    const h = natHarness({ sysctls: hostSysctls({ [SYSCTL.ipForward]: { value: '0', writable: true } }) });
    const desired = withForwards([1]);
    const first = await reconcilePass(h.controller, desired);
    expect(first.map((a) => h.controller.describe(a))).toEqual(['set net.ipv4.ip_forward=1 (was 0)']);
    expect(h.sysctl.get(SYSCTL.ipForward)).toBe('1');
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.plan(desired, observed)).toEqual([]);
    expect(h.controller.details(desired, observed)).toMatchObject({ forwardingFor: ['PortForward/pf0'] });
    expect(h.nft.transactions).toEqual([]);
  });

  it('without PortForward and without NAT leaves ip_forward as it is', async () => {
    const h = natHarness({ sysctls: hostSysctls({ [SYSCTL.ipForward]: { value: '0', writable: true } }) });
    expect(await reconcilePass(h.controller, withForwards([]))).toEqual([]);
    expect(h.sysctl.writes).toEqual([]);
  });
});

describe('SourceNat decode', () => {
  const h = natHarness();

  it('uses only the "default" resource and lists the others as ignored', () => {
    const result = h.controller.decode({
      kind: 'SourceNat',
      resources: [
        { name: 'default', generation: 4, value: '{"mode":"masquerade"}' },
        { name: 'extra', generation: 1, value: '{}' },
      ],
    });
    expect(result).toEqual({
      ok: true,
      desired: { name: 'default', generation: 4, spec: { enable: true, mode: 'masquerade' } },
      ignored: [{ name: 'extra', reason: 'only "default" is used: SourceNat is one per gateway' }],
    });
  });

  it('owns nothing when no resource exists', () => {
    expect(h.controller.decode({ kind: 'SourceNat', resources: [] })).toEqual({
      ok: true,
      desired: { spec: { enable: false, mode: 'masquerade' } },
      ignored: [],
    });
  });

  it('reports invalid JSON and invalid specs with the generation that carried them', () => {
    expect(
      h.controller.decode({ kind: 'SourceNat', resources: [{ name: 'default', generation: 3, value: '{"mode":' }] }),
    ).toMatchObject({
      ok: false,
      name: 'default',
      generation: 3,
      errors: [expect.stringMatching(/^spec is not valid JSON/) as unknown],
    });
    expect(h.controller.decode(natSnapshot({ sourceCidrs: ['10.0.0.1/16'] }, 5))).toMatchObject({
      ok: false,
      generation: 5,
    });
  });
});

describe('SourceNat probe', () => {
  it('checks a NAT table with nft --check and commits nothing', async () => {
    const h = natHarness();
    await expect(h.controller.probe(signal())).resolves.toMatchObject({ ok: true, reason: 'NftablesAvailable' });
    expect(h.nft.checks).toHaveLength(1);
    expect(h.nft.transactions).toEqual([]);
    expect(h.nft.tableKeys()).toEqual([]);
  });

  it('reports KernelFeatureMissing when nft refuses the check', async () => {
    const nft = new FakeNft();
    const refusing: NftPort = {
      listTable: (f, n, s) => nft.listTable(f, n, s),
      commit: (ops: readonly NftOp[], s) => nft.commit(ops, s),
      check: () => Promise.reject(new Error('Error: Could not process rule: No such file or directory')),
    };
    const controller = createSourceNatController({
      ports: { nft: refusing, sysctl: new FakeSysctl(), hostNet: new FakeHostNet() },
      vpcCidrs: [],
    });
    const result = await controller.probe(signal());
    expect(result).toMatchObject({ ok: false, reason: 'KernelFeatureMissing' });
    expect(result.message).toMatch(/Could not process rule/);
  });
});
