// Fuzzes spec → decode → compile → render → the real nft in this test's network namespace: any spec a decoder
// accepts must load, list back exactly as desired (so nothing else was loaded), and take element-only updates; any
// spec it refuses must never reach nft. Runs under `unshare --net` like the other integration tests.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createFirewallController } from '../controllers/firewall/index.js';
import { createPortForwardController } from '../controllers/port-forward/index.js';
import { disjointCidrs } from '../testing/arbitraries.js';
import { fwSnapshot, reconcilePass, replan } from '../testing/firewall-fixtures.js';
import { pfSnapshotArb, planNow, reconcilePass as pfPass } from '../testing/port-forward-fixtures.js';
import { FakeSysctl } from '../testing/fake-sysctl.js';

const nft = createNftAdapter(createExecRunner());
const signal = (): AbortSignal => new AbortController().signal;
const RUNS = 40;

/** Strings that would break out of an nft file if they ever reached one unescaped. */
const hostile = fc.constantFrom('"; flush ruleset; "', 'x\n} table inet evil {', '10.0.0.0/8 }; drop', '$var');

/** A valid rule: disjoint CIDR lists, distinct ports only with tcp/udp, a plain comment. */
const validRuleArb = fc
  .record({
    action: fc.constantFrom('allow', 'deny', 'reject'),
    sourceCidrs: fc.option(disjointCidrs({ minLength: 1, maxLength: 3, minLen: 8 }), { nil: undefined }),
    destinationCidrs: fc.option(disjointCidrs({ minLength: 1, maxLength: 3, minLen: 8 }), { nil: undefined }),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'any'),
    ports: fc.uniqueArray(fc.integer({ min: 1, max: 65000 }), { maxLength: 3 }),
    range: fc.boolean(),
    comment: fc.option(fc.stringMatching(/^[a-z][a-z ]{0,19}$/), { nil: undefined }),
  })
  .map(({ ports, range, protocol, ...rule }) => {
    const transport = protocol === 'tcp' || protocol === 'udp';
    const destinationPorts = range && ports.length > 0 ? [`${65001}-${65535}`, ...ports] : ports;
    const defined = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
    return { ...defined, protocol, ...(transport && ports.length > 0 ? { destinationPorts } : {}) };
  });

/** A rule the decoder must refuse: a bad field value, or a string that could smuggle nft syntax. */
const badRuleArb = fc.oneof(
  fc.tuple(validRuleArb, hostile).map(([r, comment]) => ({ ...r, comment })),
  validRuleArb.map((r) => ({ ...r, protocol: 'gre' })),
  validRuleArb.map((r) => ({ ...r, destinationCidrs: ['10.0.0.1/8'] })),
  validRuleArb.map((r) => ({ ...r, protocol: 'tcp', destinationPorts: [0, '90-80'] })),
);

/** Valid rules, and in about one resource of five a refused rule somewhere among them. */
const rulesArb = fc
  .tuple(fc.array(validRuleArb, { maxLength: 30 }), fc.option(badRuleArb, { freq: 4 }), fc.nat())
  .map(([rules, bad, at]) =>
    bad === null ? rules : (rules as Record<string, unknown>[]).toSpliced(at % (rules.length + 1), 0, bad),
  );

const policyArb = fc.array(
  fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    spec: fc.record(
      {
        order: fc.integer({ min: 0, max: 3 }),
        defaultAction: fc.constantFrom('allow', 'deny'),
        rules: rulesArb,
        input: fc.record({ rules: fc.array(validRuleArb, { maxLength: 5 }) }),
      },
      { requiredKeys: ['rules'] },
    ),
  }),
  { maxLength: 4 },
);

describe('FirewallPolicy specs against the real nft', () => {
  it('every accepted policy loads, lists back as compiled, and converges again after an edit', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.nat(), async (resources, pick) => {
        const unique = resources.filter((r, i) => resources.findIndex((o) => o.name === r.name) === i);
        const controller = createFirewallController({ ports: { nft } });
        const result = controller.decode(fwSnapshot(...unique));
        if (!result.ok) return;
        // Refused resources say why, naming the field; they never reach the table.
        for (const rejected of result.desired.spec.rejected)
          expect(rejected.errors.join('; ')).toMatch(/spec\.|already|default/);
        if (result.desired.name === undefined) return;
        await reconcilePass(controller, result.desired);
        expect(await replan(controller, result.desired)).toEqual([]);
        // Drop one rule of one admitted resource: a structural change rebuilds, an element change patches; both converge.
        const edited = unique.map((r, i) =>
          i === pick % unique.length ? { ...r, spec: { ...r.spec, rules: r.spec.rules.slice(1) } } : r,
        );
        const next = controller.decode(fwSnapshot(...edited));
        if (next.ok) {
          await reconcilePass(controller, next.desired, false);
          expect(await replan(controller, next.desired, true)).toEqual([]);
        }
        await nft.commit([{ op: 'deleteTable', family: 'inet', name: 'csgw_filter' }], signal());
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('PortForward specs against the real nft', () => {
  it('every accepted set of forwards loads, lists back as compiled, and converges again after an edit', async () => {
    await fc.assert(
      fc.asyncProperty(pfSnapshotArb, pfSnapshotArb, async (first, second) => {
        const controller = createPortForwardController({
          ports: { nft, sysctl: new FakeSysctl({ 'net.ipv4.ip_forward': { value: '1', writable: true } }) },
        });
        for (const snapshot of [first, second]) {
          const result = controller.decode(snapshot);
          if (!result.ok) continue;
          await pfPass(controller, result.desired, true);
          expect(await planNow(controller, result.desired, true)).toEqual([]);
        }
        const listed = await nft.listTable('inet', 'csgw_dnat', signal());
        if (listed) await nft.commit([{ op: 'deleteTable', family: 'inet', name: 'csgw_dnat' }], signal());
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
