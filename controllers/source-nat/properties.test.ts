// The properties the project requires of every controller, checked with the in-memory ports:
// (a) one pass converges: applying the plan and observing again gives an empty plan, from any starting state;
// (b) a plan never touches state the controller does not own.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { opTable, type NftTable } from '../../renderers/nft/model.js';
import { ControllerError, type KindSnapshot } from '../../runtime/controller.js';
import { disjointCidrs, interfaceName } from '../../testing/arbitraries.js';
import { addr } from '../../testing/fake-host-net.js';
import type { FakeSysctlEntry } from '../../testing/fake-sysctl.js';
import { FULL, natHarness, natSnapshot, signal } from '../../testing/source-nat-fixtures.js';
import { NAT_TABLE, OBSERVED_SYSCTLS, SYSCTL } from './names.js';
import { buildNatTable } from './table.js';

const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Specs the schema accepts, as a user would write them (before defaults). */
const specArb = fc
  .record({
    enable: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    sourceCidrs: optional(disjointCidrs({ minLength: 1, maxLength: 6 })),
    excludeDestinationCidrs: optional(disjointCidrs({ maxLength: 4 })),
    // Never ens6, the one interface the generated host always has besides the egress: keeps defaults resolvable.
    egressInterface: optional(interfaceName.filter((n) => n !== 'ens6')),
    translation: fc.oneof(
      fc.constant({ mode: 'masquerade' }),
      fc.ipV4().map((snatAddress) => ({ mode: 'snat', snatAddress })),
    ),
    conntrack: optional(
      fc.record(
        {
          max: fc.integer({ min: 1024, max: 67108864 }),
          tcpEstablishedTimeoutSeconds: fc.integer({ min: 60, max: 2592000 }),
        },
        { requiredKeys: [] },
      ),
    ),
  })
  .map(({ translation, ...rest }) => defined({ ...rest, ...translation }));

/** The PortForward resources SourceNat watches (it owns ip_forward for them); their specs do not matter to it. */
const portForwardsArb = fc.uniqueArray(fc.constantFrom('web', 'ssh', 'dns'), { maxLength: 3 });

/** A snapshot with the spec, or (sometimes) no resource at all; sometimes with PortForward resources. */
const snapshotArb: fc.Arbitrary<KindSnapshot> = fc
  .tuple(
    fc.oneof(
      {
        weight: 9,
        arbitrary: fc.tuple(specArb, fc.integer({ min: 1, max: 50 })).map(([spec, gen]) => natSnapshot(spec, gen)),
      },
      { weight: 1, arbitrary: fc.constant<KindSnapshot>({ kind: 'SourceNat', resources: [] }) },
    ),
    portForwardsArb,
  )
  .map(([snapshot, names]) => ({
    ...snapshot,
    related: { PortForward: names.map((name) => ({ name, generation: 1, value: '{"rules":[]}' })) },
  }));

/** A table of ours that is not what the spec wants: an older version, or one a human edited. */
const staleTableArb: fc.Arbitrary<NftTable> = fc
  .record({ sources: disjointCidrs({ minLength: 1, maxLength: 3 }), egress: interfaceName, junk: fc.boolean() })
  .map(({ sources, egress, junk }) => {
    const table = buildNatTable(
      'old',
      { enable: true, mode: 'masquerade' },
      { egressInterface: egress, egressInterfaceSource: 'spec', sourceCidrs: sources, sourceCidrsSource: 'spec' },
    );
    if (junk) table.chains.push({ name: 'junk', rules: [{ expr: [{ counter: null }, { accept: null }] }] });
    return table;
  });

const entryArb = (values: string[], missing: boolean): fc.Arbitrary<FakeSysctlEntry> =>
  fc.oneof(
    fc.record({ value: fc.constantFrom(...values), writable: fc.boolean() }),
    ...(missing ? [fc.constant<FakeSysctlEntry>({ writable: false })] : []),
  );

/** Host sysctls; ip_forward is never "0 and read-only" (that host cannot NAT: the planner refuses, tested elsewhere). */
const sysctlsArb = fc.record({
  [SYSCTL.ipForward]: fc.constantFrom<FakeSysctlEntry>(
    { value: '0', writable: true },
    { value: '1', writable: true },
    { value: '1', writable: false },
  ),
  [SYSCTL.rpFilter]: entryArb(['0', '1', '2'], false),
  [SYSCTL.conntrackMax]: entryArb(['65536', '262144', '1048576'], true),
  [SYSCTL.tcpEstablishedTimeout]: entryArb(['432000', '7440', '3600'], true),
});

const hostArb = fc.record({
  addresses: fc.array(
    fc.tuple(
      fc.constantFrom('ens5', 'ens6', 'ens7'),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 8, max: 30 }),
    ),
    { maxLength: 4 },
  ),
  vpcCidrs: fc.oneof(fc.constant<string[]>([]), disjointCidrs({ minLength: 1, maxLength: 3 })),
});

const startArb = fc.record({
  snapshot: snapshotArb,
  table: fc.oneof(fc.constant(undefined), staleTableArb),
  sysctls: sysctlsArb,
  host: hostArb,
});

type Start = typeof startArb extends fc.Arbitrary<infer T> ? T : never;

function harnessFor(
  start: Start,
  extraTables: readonly NftTable[] = [],
  extraSysctls: Record<string, FakeSysctlEntry> = {},
): ReturnType<typeof natHarness> {
  const ip = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  return natHarness({
    tables: [...extraTables, ...(start.table ? [start.table] : [])],
    sysctls: { ...start.sysctls, ...extraSysctls },
    defaultRoute: { interface: 'ens5' },
    addresses: [
      addr('ens6', '10.200.0.1/24'),
      ...start.host.addresses.map(([iface, n, len]) => addr(iface, `${ip(n)}/${len}`)),
    ],
    vpcCidrs: start.host.vpcCidrs,
  });
}

/** Decodes, plans and applies once; returns the desired state it reconciled toward. */
async function onePass(
  h: ReturnType<typeof natHarness>,
  snapshot: KindSnapshot,
): Promise<Parameters<typeof h.controller.plan>[0]> {
  const decoded = h.controller.decode(snapshot);
  if (!decoded.ok) throw new Error(`generated an invalid spec: ${decoded.errors.join('; ')}`);
  const plan = h.controller.plan(
    decoded.desired,
    await h.controller.observe(signal(), { ...FULL, desired: decoded.desired }),
  );
  await h.controller.apply(plan, signal());
  return decoded.desired;
}

describe('SourceNat properties', () => {
  it('(a) applying the plan from any starting state, then observing, gives an empty plan', async () => {
    await fc.assert(
      fc.asyncProperty(startArb, async (start) => {
        const h = harnessFor(start);
        const desired = await onePass(h, start.snapshot);
        const committed = h.nft.transactions.length;
        expect(h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }))).toEqual([]);
        expect(h.nft.transactions).toHaveLength(committed);
      }),
      { numRuns: 150 },
    );
  });

  it('(b) a plan never touches tables or sysctls the controller does not own', async () => {
    const foreignTables: NftTable[] = [
      {
        family: 'inet',
        name: 'filter',
        sets: [{ name: 'allowed', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/8'] }],
        chains: [
          {
            name: 'forward',
            base: { type: 'filter', hook: 'forward', prio: 0, policy: 'drop' },
            rules: [
              {
                comment: 'ops',
                expr: [
                  { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@allowed' } },
                  { counter: null },
                  { accept: null },
                ],
              },
            ],
          },
        ],
      },
      {
        family: 'ip',
        name: 'csgw_other',
        sets: [],
        chains: [
          {
            name: 'postrouting',
            base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
            rules: [{ expr: [{ counter: null }, { masquerade: null }] }],
          },
        ],
      },
      // Same name, other family: still not ours.
      { family: 'ip', name: 'csgw_nat', sets: [], chains: [{ name: 'post', rules: [] }] },
    ];
    const foreignSysctls: Record<string, FakeSysctlEntry> = {
      'net.ipv6.conf.all.forwarding': { value: '0', writable: true },
      'net.ipv4.conf.ens5.rp_filter': { value: '1', writable: true },
      'net.core.somaxconn': { value: '4096', writable: true },
    };
    await fc.assert(
      fc.asyncProperty(startArb, async (start) => {
        const h = harnessFor(start, foreignTables, foreignSysctls);
        h.nft.setCounter('inet', 'filter', { chain: 'forward', index: 0 }, { packets: 10, bytes: 1000 });
        const before = { tables: h.nft.snapshot(), filter: await h.nft.listTable('inet', 'filter', signal()) };
        await onePass(h, start.snapshot);
        await onePass(h, start.snapshot);
        const after = h.nft.snapshot();
        for (const t of foreignTables)
          expect(after[`${t.family} ${t.name}`]).toEqual(before.tables[`${t.family} ${t.name}`]);
        expect(await h.nft.listTable('inet', 'filter', signal())).toEqual(before.filter);
        expect(Object.keys(after).sort()).toEqual(
          ['inet csgw_nat', 'inet filter', 'ip csgw_nat', 'ip csgw_other'].filter(
            (k) => k !== 'inet csgw_nat' || after[k],
          ),
        );
        for (const op of h.nft.transactions.flat()) {
          expect(opTable(op)).toEqual(NAT_TABLE);
        }
        for (const [key, entry] of Object.entries(foreignSysctls)) expect(h.sysctl.snapshot()[key]).toEqual(entry);
        for (const write of h.sysctl.writes) expect(OBSERVED_SYSCTLS).toContain(write.key);
        // The owner of ip_forward only ever turns it on: others (PortForward, the host) may rely on it.
        for (const write of h.sysctl.writes.filter((w) => w.key === SYSCTL.ipForward)) expect(write.value).toBe('1');
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to plan, rather than plan half, on a host whose ip_forward is 0 and read-only', async () => {
    await fc.assert(
      fc.asyncProperty(startArb, async (start) => {
        const h = harnessFor({
          ...start,
          sysctls: { ...start.sysctls, [SYSCTL.ipForward]: { value: '0', writable: false } },
        });
        const decoded = h.controller.decode(start.snapshot);
        if (!decoded.ok) throw new Error('generated an invalid spec');
        const observed = await h.controller.observe(signal(), { ...FULL, desired: decoded.desired });
        if (!decoded.desired.name || !decoded.desired.spec.enable) return; // owning nothing needs no forwarding
        expect(() => h.controller.plan(decoded.desired, observed)).toThrow(ControllerError);
      }),
      { numRuns: 50 },
    );
  });
});
