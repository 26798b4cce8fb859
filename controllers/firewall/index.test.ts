import { describe, expect, it } from '@jest/globals';
import type { NftOp } from '../../renderers/nft/model.js';
import type { NftPort } from '../../runtime/ports.js';
import { FakeNft } from '../../testing/fake-nft.js';
import {
  allowRules,
  decoded,
  firewallHarness,
  fwSnapshot,
  reconcilePass,
  replan,
  signal,
} from '../../testing/firewall-fixtures.js';
import { createFirewallController } from './index.js';

const TABLE = ['inet', 'csgw_filter'] as const;
const web = (rules: unknown[], generation = 1): ReturnType<typeof fwSnapshot> =>
  fwSnapshot({ name: 'web', spec: { defaultAction: 'deny', rules }, generation });

describe('FirewallPolicy controller with the in-memory nft', () => {
  it('converges in one pass: one transaction, then an empty plan', async () => {
    const h = firewallHarness();
    const desired = decoded(h.controller, web(allowRules(3)));
    const first = await reconcilePass(h.controller, desired);
    expect(first.map((a) => h.controller.describe(a))).toEqual(['replace nft table inet csgw_filter (TableMissing)']);
    expect(await replan(h.controller, desired)).toEqual([]);
    expect(await replan(h.controller, desired, false)).toEqual([]);
    expect(h.nft.transactions).toHaveLength(1);
    expect(h.nft.table(...TABLE)?.chains.map((c) => c.name)).toEqual(['forward']);
  });

  it('one rule edited in a 1,000-rule policy: one transaction of element ops, read from memory', async () => {
    const h = firewallHarness();
    const rules = allowRules(1000);
    await reconcilePass(h.controller, decoded(h.controller, web(rules)));
    h.nft.setCounter(...TABLE, { chain: 'forward', index: 1 }, { packets: 5, bytes: 500 });
    const edited = [...rules];
    edited[500] = { action: 'allow', destinationCidrs: ['172.16.0.0/12'], protocol: 'tcp', destinationPorts: [443] };
    const desired = decoded(h.controller, web(edited, 2));
    const listedBefore = h.nft.calls.listTable;
    const plan = await reconcilePass(h.controller, desired, false);
    expect(h.nft.calls.listTable).toBe(listedBefore);
    expect(plan.map((a) => h.controller.describe(a))).toEqual(['update set f0 of inet csgw_filter: +1 -1 elements']);
    expect(h.nft.transactions.at(-1)?.map((op) => op.op)).toEqual(['deleteElements', 'addElements']);
    expect(await replan(h.controller, desired)).toEqual([]);
    // Element updates leave rules, and so their counters, in place.
    const observed = await h.controller.observe(signal(), { full: true, desired });
    expect(observed.table?.counters).toContainEqual(expect.objectContaining({ index: 1, packets: 5 }));
  });

  it('rebuilds the table when the number of groups changes', async () => {
    const h = firewallHarness();
    await reconcilePass(h.controller, decoded(h.controller, web(allowRules(10))));
    const desired = decoded(h.controller, web([...allowRules(10), { action: 'deny', sourceCidrs: ['10.0.0.0/8'] }], 2));
    const plan = await reconcilePass(h.controller, desired, false);
    expect(plan.map((a) => h.controller.describe(a))).toEqual([
      'replace nft table inet csgw_filter (StructureDiffers)',
    ]);
    expect(await replan(h.controller, desired)).toEqual([]);
  });

  it('after a refused commit, the next pass reads everything and rebuilds; later edits are deltas again', async () => {
    const h = firewallHarness();
    await reconcilePass(h.controller, decoded(h.controller, web(allowRules(100))));
    const desired = decoded(h.controller, web(allowRules(100, 1), 2));
    const plan = await replan(h.controller, desired, false);
    h.nft.failNextCommit('netlink: Device or resource busy');
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'ApplyFailed' });
    // The reconcile machine observes with full=true after a failed apply.
    const listedBefore = h.nft.calls.terseListTable;
    const retry = await reconcilePass(h.controller, desired, true);
    expect(h.nft.calls.terseListTable).toBe(listedBefore);
    expect(retry.map((a) => h.controller.describe(a))).toEqual([
      'replace nft table inet csgw_filter (RebuildAfterFailedApply)',
    ]);
    expect(await replan(h.controller, desired)).toEqual([]);
    const next = await reconcilePass(h.controller, decoded(h.controller, web(allowRules(100, 2), 3)), false);
    expect(next.map((a) => a.op)).toEqual(['updateElements']);
  });

  it('repairs out-of-band element edits at the next full listing', async () => {
    let now = 0;
    const h = firewallHarness({ fullResyncMs: 60_000, now: () => now });
    const desired = decoded(h.controller, web(allowRules(5)));
    await reconcilePass(h.controller, desired);
    h.nft.mutate(...TABLE, (t) => void t.sets[0]?.elements.splice(0, 1));
    now = 1_000;
    expect(await replan(h.controller, desired, false)).toEqual([]);
    // A full observe (first pass, after a failure) does not trust the cache either.
    expect((await replan(h.controller, desired, true)).map((a) => a.op)).toEqual(['updateElements']);
    now = 61_000;
    const repair = await reconcilePass(h.controller, desired, false);
    expect(repair.map((a) => h.controller.describe(a))).toEqual(['update set f0 of inet csgw_filter: +1 -0 elements']);
    expect(await replan(h.controller, desired)).toEqual([]);
  });

  it('deletes its table when the last resource is deleted, and then plans nothing', async () => {
    const h = firewallHarness();
    await reconcilePass(h.controller, decoded(h.controller, web(allowRules(2))));
    const none = decoded(h.controller, { kind: 'FirewallPolicy', resources: [] });
    expect((await reconcilePass(h.controller, none)).map((a) => h.controller.describe(a))).toEqual([
      'delete nft table inet csgw_filter (NoResource)',
    ]);
    expect(h.nft.table(...TABLE)).toBeUndefined();
    expect(await replan(h.controller, none)).toEqual([]);
    expect(await replan(h.controller, none, false)).toEqual([]);
  });

  it('compiles each desired state once, and explains with the table it applies', async () => {
    const h = firewallHarness();
    const desired = decoded(h.controller, web(allowRules(3)));
    const compiled = h.controller.compiled(desired);
    const [action] = await reconcilePass(h.controller, desired);
    expect(action?.op === 'replaceTable' && action.table).toBe(compiled?.table);
    expect(h.controller.compiled(desired)).toBe(compiled);
    expect(h.controller.compiled(decoded(h.controller, { kind: 'FirewallPolicy', resources: [] }))).toBeUndefined();
  });
});

describe('FirewallPolicy status: details, counters and warnings', () => {
  it('reports each group and default rule with its counters, and the same numbers flat for /metrics', async () => {
    const h = firewallHarness();
    const desired = decoded(
      h.controller,
      fwSnapshot({
        name: 'edge',
        spec: {
          rules: [...allowRules(2), { action: 'reject', sourceCidrs: ['192.168.0.0/16'] }],
          input: { rules: [{ action: 'allow', protocol: 'tcp', destinationPorts: [22] }] },
        },
      }),
    );
    await reconcilePass(h.controller, desired);
    const compiled = h.controller.compiled(desired);
    const at = (set: string): number => compiled?.groups.find((g) => g.set === set)?.ruleIndex ?? -1;
    h.nft.setCounter(...TABLE, { chain: 'forward', index: at('f0') }, { packets: 10, bytes: 1000 });
    h.nft.setCounter(...TABLE, { chain: 'forward', index: at('f1') }, { packets: 3, bytes: 180 });
    const lastForward = (compiled?.table.chains[0]?.rules.length ?? 0) - 1;
    h.nft.setCounter(...TABLE, { chain: 'forward', index: lastForward }, { packets: 7, bytes: 700 });
    const details = h.controller.details(desired, await h.controller.observe(signal(), { full: true, desired }));
    expect(details).toEqual({
      table: 'inet csgw_filter',
      tamperDetection: 'listing',
      ruleCount: 4,
      groupCount: 3,
      groups: [
        {
          chain: 'forward',
          set: 'f0',
          action: 'allow',
          rules: 2,
          firstRule: 'edge/rules[0]',
          lastRule: 'edge/rules[1]',
          packets: 10,
          bytes: 1000,
        },
        {
          chain: 'forward',
          set: 'f1',
          action: 'reject',
          rules: 1,
          firstRule: 'edge/rules[2]',
          lastRule: 'edge/rules[2]',
          packets: 3,
          bytes: 180,
        },
        {
          chain: 'input',
          set: 'i0',
          action: 'allow',
          rules: 1,
          firstRule: 'edge/input.rules[0]',
          lastRule: 'edge/input.rules[0]',
          packets: 0,
          bytes: 0,
        },
      ],
      defaultActions: { forward: 'allow', input: 'deny' },
      counters: {
        forward_f0_packets: 10,
        forward_f0_bytes: 1000,
        forward_f1_packets: 3,
        forward_f1_bytes: 180,
        input_i0_packets: 0,
        input_i0_bytes: 0,
        forward_allow_packets: 10,
        forward_allow_bytes: 1000,
        forward_reject_packets: 3,
        forward_reject_bytes: 180,
        input_allow_packets: 0,
        input_allow_bytes: 0,
        forward_default_packets: 7,
        forward_default_bytes: 700,
        input_default_packets: 0,
        input_default_bytes: 0,
      },
    });
  });

  it('lists only the first groups of a chain, so status stays small; per-action totals count every group', async () => {
    const h = firewallHarness();
    // Alternating actions on the same traffic: every rule is a group of its own.
    const rules = Array.from({ length: 7 }, (_, i) => ({
      action: i % 2 ? 'deny' : 'allow',
      sourceCidrs: ['10.0.0.0/8'],
    }));
    const desired = decoded(h.controller, fwSnapshot({ name: 'many', spec: { rules } }));
    await reconcilePass(h.controller, desired);
    const last = h.controller.compiled(desired)?.groups.at(-1);
    expect(last).toMatchObject({ set: 'f6', action: 'allow' });
    h.nft.setCounter(...TABLE, { chain: 'forward', index: last?.ruleIndex ?? -1 }, { packets: 4, bytes: 40 });
    const details = h.controller.details(desired, await h.controller.observe(signal(), { full: true, desired }));
    expect(details).toMatchObject({ ruleCount: 7, groupCount: 7 });
    expect((details.groups as { set: string }[]).map((g) => g.set)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(details.counters).toMatchObject({ forward_allow_packets: 4, forward_deny_packets: 0 });
    expect(details.counters).not.toHaveProperty('forward_f6_packets');
  });

  it('lists rejected generations in details and as ResourceRejected warnings', async () => {
    const h = firewallHarness();
    const desired = decoded(
      h.controller,
      fwSnapshot({ name: 'a', spec: { defaultAction: 'deny' } }, { name: 'b', spec: { defaultAction: 'allow' } }),
    );
    await reconcilePass(h.controller, desired);
    const observed = await h.controller.observe(signal(), { full: true, desired });
    const message =
      'FirewallPolicy/b generation 1 rejected: defaultAction allow conflicts with deny set by FirewallPolicy/a generation 1; none of it is applied';
    expect(h.controller.warnings(desired, observed)).toEqual([{ reason: 'ResourceRejected', message, resource: 'b' }]);
    expect(h.controller.details(desired, observed)).toMatchObject({
      rejected: [{ name: 'b', generation: 1, errors: [expect.stringMatching(/conflicts/)] }],
    });
    const clean = decoded(h.controller, fwSnapshot({ name: 'a', spec: {} }));
    expect(h.controller.warnings(clean, observed)).toEqual([]);
  });

  it('reports an empty policy when no resource exists', () => {
    const h = firewallHarness();
    const none = decoded(h.controller, { kind: 'FirewallPolicy', resources: [] });
    expect(h.controller.details(none, {})).toEqual({
      table: 'inet csgw_filter',
      tamperDetection: 'listing',
      ruleCount: 0,
      groupCount: 0,
    });
  });
});

describe('FirewallPolicy probe', () => {
  it('checks a table with a concatenated interval set lookup and commits nothing', async () => {
    const h = firewallHarness();
    await expect(h.controller.probe(signal())).resolves.toMatchObject({
      ok: true,
      details: { mechanism: 'nftables concatenated interval sets' },
    });
    const [check] = h.nft.checks;
    const table = check?.[0]?.op === 'replaceTable' ? check[0].table : undefined;
    expect(table?.sets).toEqual([
      expect.objectContaining({ type: ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'], flags: ['interval'] }),
    ]);
    expect(h.nft.transactions).toEqual([]);
    expect(h.nft.tableKeys()).toEqual([]);
  });

  it('reports KernelFeatureMissing when nft refuses the check', async () => {
    const nft = new FakeNft();
    const refusing: NftPort = {
      listTable: (f, n, s, o) => nft.listTable(f, n, s, o),
      commit: (ops: readonly NftOp[], s) => nft.commit(ops, s),
      check: () => Promise.reject(new Error('Error: Could not process rule: Operation not supported')),
    };
    const result = await createFirewallController({ ports: { nft: refusing } }).probe(signal());
    expect(result).toMatchObject({ ok: false, reason: 'KernelFeatureMissing' });
    expect(result.message).toMatch(/Operation not supported/);
  });
});
