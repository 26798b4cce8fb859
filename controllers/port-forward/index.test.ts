import { describe, expect, it } from '@jest/globals';
import type { NftOp } from '../../renderers/nft/model.js';
import type { NftPort } from '../../runtime/ports.js';
import { FakeNft } from '../../testing/fake-nft.js';
import { FakeSysctl } from '../../testing/fake-sysctl.js';
import {
  decoded,
  pfHarness,
  pfSnapshot,
  planNow,
  reconcilePass,
  rule,
  signal,
} from '../../testing/port-forward-fixtures.js';
import { createPortForwardController } from './index.js';

const WEB = { name: 'web', spec: { rules: [rule(8080, '10.0.1.5', 80), rule(8443, '10.0.1.5', 443)] } };
const SSH = { name: 'ssh', spec: { rules: [{ ...rule(2222, '10.0.1.9', 22), masquerade: false }] } };

describe('PortForward controller with in-memory ports', () => {
  it('converges in one pass, reporting ForwardingOff (not writing ip_forward) until SourceNat turns it on', async () => {
    const h = pfHarness({ ipForward: { value: '0', writable: true } });
    const desired = decoded(h.controller, pfSnapshot([WEB, SSH]));
    const first = await reconcilePass(h.controller, desired, true);
    expect(first.map((a) => h.controller.describe(a))).toEqual(['replace nft table inet csgw_dnat (TableMissing)']);
    expect(h.sysctl.writes).toEqual([]);
    const off = await h.controller.observe(signal(), { full: true, desired });
    expect(h.controller.warnings(desired, off)).toEqual([
      {
        reason: 'ForwardingOff',
        message:
          'net.ipv4.ip_forward is 0: forwarded connections cannot be routed until SourceNat, which owns it, turns it on',
      },
    ]);
    h.sysctl.set('net.ipv4.ip_forward', '1');
    expect(h.controller.warnings(desired, await h.controller.observe(signal(), { full: true, desired }))).toEqual([]);
    expect(await planNow(h.controller, desired)).toEqual([]);
    expect(await planNow(h.controller, desired, false)).toEqual([]);
    expect(h.nft.table('inet', 'csgw_dnat')?.sets.find((s) => s.name === 'any_addr')?.elements).toEqual([
      '6 . 2222 : 10.0.1.9/32',
      '6 . 8080 : 10.0.1.5/32',
      '6 . 8443 : 10.0.1.5/32',
    ]);
    expect(h.nft.tableKeys()).toEqual(['inet csgw_dnat']);
  });

  it('sends a changed forward as element changes in one transaction, keeping rules and counters', async () => {
    const h = pfHarness();
    await reconcilePass(h.controller, decoded(h.controller, pfSnapshot([WEB])), true);
    h.nft.setCounter('inet', 'csgw_dnat', { chain: 'prerouting', index: 0 }, { packets: 5, bytes: 300 });
    const edited = {
      name: 'web',
      generation: 2,
      spec: { rules: [rule(8080, '10.0.1.6', 80), rule(8443, '10.0.1.5', 443)] },
    };
    const desired = decoded(h.controller, pfSnapshot([edited]));
    const plan = await reconcilePass(h.controller, desired);
    expect(plan.map((a) => a.op)).toEqual(['updateElements', 'updateElements']);
    expect(h.nft.transactions.at(-1)?.map((op) => `${op.op} ${'set' in op ? op.set.name : ''}`)).toEqual([
      'deleteElements any_addr',
      'deleteElements fwd_targets',
      'addElements any_addr',
      'addElements fwd_targets',
    ]);
    expect(h.controller.details(desired, await h.controller.observe(signal(), { full: true, desired }))).toMatchObject({
      counters: { rewritePortConnections: 5 },
    });
    expect(await planNow(h.controller, desired, false)).toEqual([]);
  });

  it('repairs elements edited out of band at the next full observe', async () => {
    const h = pfHarness();
    const desired = decoded(h.controller, pfSnapshot([WEB]));
    await reconcilePass(h.controller, desired, true);
    const wanted = h.nft.table('inet', 'csgw_dnat');
    h.nft.mutate('inet', 'csgw_dnat', (t) => void t.sets.find((s) => s.name === 'any_addr')?.elements.splice(0, 1));
    expect((await reconcilePass(h.controller, desired, true)).map((a) => h.controller.describe(a))).toEqual([
      'update set any_addr of inet csgw_dnat: +1 -0 elements',
    ]);
    expect(h.nft.table('inet', 'csgw_dnat')).toEqual(wanted);
  });

  it('after a failed commit, reads everything again and still converges', async () => {
    const h = pfHarness();
    await reconcilePass(h.controller, decoded(h.controller, pfSnapshot([WEB])), true);
    const desired = decoded(h.controller, pfSnapshot([WEB, SSH]));
    h.nft.failNextCommit('netlink: Device or resource busy');
    await expect(reconcilePass(h.controller, desired)).rejects.toMatchObject({ reason: 'ApplyFailed' });
    await reconcilePass(h.controller, desired);
    expect(await planNow(h.controller, desired)).toEqual([]);
  });

  it('deletes its table when the last resource goes, and then plans nothing', async () => {
    const h = pfHarness();
    await reconcilePass(h.controller, decoded(h.controller, pfSnapshot([WEB])), true);
    const none = decoded(h.controller, pfSnapshot([]));
    expect((await reconcilePass(h.controller, none)).map((a) => h.controller.describe(a))).toEqual([
      'delete nft table inet csgw_dnat (NoResource)',
    ]);
    expect(h.nft.tableKeys()).toEqual([]);
    expect(await planNow(h.controller, none, false)).toEqual([]);
  });

  it('reports resources, rejections and per-rule connection counters in details', async () => {
    const h = pfHarness();
    const clash = { name: 'clash', spec: { rules: [rule(8443, '10.0.2.2')] } };
    const desired = decoded(h.controller, pfSnapshot([WEB, SSH, clash]));
    await reconcilePass(h.controller, desired, true);
    // Each counter adds up the rules of both layouts (source-specific first, then any source).
    const counted: [string, number, number][] = [
      ['prerouting', 1, 3],
      ['prerouting', 2, 5],
      ['prerouting', 3, 4],
      ['postrouting', 0, 7],
      ['postrouting', 1, 2],
    ];
    for (const [chain, index, packets] of counted)
      h.nft.setCounter('inet', 'csgw_dnat', { chain, index }, { packets, bytes: packets * 60 });
    const observed = await h.controller.observe(signal(), { full: true, desired });
    expect(h.controller.details(desired, observed)).toEqual({
      table: 'inet csgw_dnat',
      tamperDetection: 'listing',
      resources: [
        { name: 'web', generation: 1, rules: 2 },
        { name: 'ssh', generation: 1, rules: 1 },
      ],
      forwards: 3,
      rejected: [
        {
          name: 'clash',
          generation: 1,
          errors: ['spec.rules[0].listenPort: tcp 8443 is already claimed by PortForward/web rules[1] (tcp 8443)'],
        },
      ],
      counters: { rewritePortConnections: 5, keepPortConnections: 7, masqueradedConnections: 9 },
    });
    expect(h.controller.warnings(desired, observed).map((w) => w.reason)).toEqual(['ResourceRejected']);
  });

  it('leaves every other table alone', async () => {
    const other = { family: 'inet' as const, name: 'csgw_nat', sets: [], chains: [{ name: 'postrouting', rules: [] }] };
    const h = pfHarness({ tables: [other] });
    await reconcilePass(h.controller, decoded(h.controller, pfSnapshot([WEB])), true);
    await reconcilePass(h.controller, decoded(h.controller, pfSnapshot([])));
    expect(h.nft.snapshot()).toEqual({ 'inet csgw_nat': other });
  });
});

describe('PortForward probe', () => {
  it('checks the empty table with nft --check and commits nothing', async () => {
    const h = pfHarness();
    await expect(h.controller.probe(signal())).resolves.toEqual({
      ok: true,
      reason: 'NftablesAvailable',
      message: 'nftables dnat with concatenated interval maps available',
      details: { mechanism: 'nftables dnat map' },
    });
    expect(h.nft.checks).toHaveLength(1);
    expect(h.nft.tableKeys()).toEqual([]);
  });

  it('reports KernelFeatureMissing when nft refuses the check', async () => {
    const nft = new FakeNft();
    const refusing: NftPort = {
      listTable: (f, n, s) => nft.listTable(f, n, s),
      commit: (ops: readonly NftOp[], s) => nft.commit(ops, s),
      check: () => Promise.reject(new Error('Error: Could not process rule: No such file or directory')),
    };
    const controller = createPortForwardController({ ports: { nft: refusing, sysctl: new FakeSysctl() } });
    const result = await controller.probe(signal());
    expect(result).toMatchObject({ ok: false, reason: 'KernelFeatureMissing' });
    expect(result.message).toMatch(/Could not process rule/);
  });
});
