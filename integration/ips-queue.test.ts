import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { probeQueuePort } from '../controllers/intrusion-prevention/probe.js';
import { xtQueuePort } from '../controllers/intrusion-prevention/queue-port.js';
import { queueHash } from '../controllers/intrusion-prevention/queue-rules.js';
import type { QueueSelector, QueueSpec } from '../controllers/intrusion-prevention/types.js';
import { disjointCidrs } from '../testing/arbitraries.js';

// The IPS's queue rules through the real iptables-nft in the test's own network namespace: what install writes,
// observe reads back as intact; nobody else's rules in the same tables are touched.
const runner = createExecRunner();
const port = xtQueuePort(runner);
const signal = new AbortController().signal;

const selector: fc.Arbitrary<QueueSelector> = fc
  .record({
    sources: disjointCidrs({ maxLength: 2 }),
    destinations: disjointCidrs({ maxLength: 2 }),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const, 'any' as const),
    // Single ports and ranges, within multiport's 15 slots (a range takes two).
    ports: fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 65535 }).map(String),
        fc
          .tuple(fc.integer({ min: 1, max: 65534 }), fc.integer({ min: 1, max: 1000 }))
          .map(([a, n]) => `${a}-${Math.min(65535, a + n)}`),
      ),
      { maxLength: 7 },
    ),
  })
  .map((s) => (s.protocol === 'tcp' || s.protocol === 'udp' ? s : { ...s, ports: [] }));

const queueSpec: fc.Arbitrary<QueueSpec> = fc
  .record({
    selectors: fc.array(selector, { maxLength: 3 }),
    first: fc.integer({ min: 0, max: 100 }),
    count: fc.integer({ min: 1, max: 4 }),
    bypass: fc.boolean(),
    flowBypass: fc.boolean(),
  })
  .map(({ flowBypass, ...q }) => (flowBypass ? { ...q, bypassMark: 0x20000000 } : q));

async function iptables(table: string, args: string[]): Promise<string> {
  const result = await runner.run('iptables-nft', ['-t', table, ...args], { signal });
  if (result.exitCode !== 0) throw new Error(`iptables-nft -t ${table} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('IPS queue rules through iptables-nft', () => {
  it('this kernel has the xt NFQUEUE target (and no nft queue statement)', async () => {
    const found = await probeQueuePort(createNftAdapter(runner), runner, signal);
    expect('missing' in found ? found.missing : found.mechanism).toBe('xt-nfqueue');
  });

  it('what install writes is read back intact, for any sequence of specs; foreign rules stay', async () => {
    await iptables('security', ['-A', 'FORWARD', '-s', '198.51.100.7/32', '-j', 'ACCEPT']);
    await iptables('mangle', ['-A', 'POSTROUTING', '-d', '198.51.100.8/32', '-j', 'ACCEPT']);
    await fc.assert(
      fc.asyncProperty(fc.array(queueSpec, { minLength: 1, maxLength: 3 }), async (specs) => {
        for (const spec of specs) {
          await port.install(spec, signal);
          expect(await port.observe(spec, signal)).toMatchObject({
            present: true,
            intact: true,
            hash: queueHash(spec),
          });
        }
        const last = specs.at(-1)!;
        const other = { ...last, first: last.first + 1 };
        expect((await port.observe(other, signal)).intact).toBe(false);
      }),
      { numRuns: 12 },
    );
    await port.remove(signal);
    expect(await port.observe(undefined, signal)).toMatchObject({ present: false, intact: false });
    expect(await iptables('security', ['-S', 'FORWARD'])).toContain('-A FORWARD -s 198.51.100.7/32 -j ACCEPT');
    expect(await iptables('mangle', ['-S', 'POSTROUTING'])).toContain('-A POSTROUTING -d 198.51.100.8/32 -j ACCEPT');
  }, 120_000);

  it('a hand-made second hook or a deleted rule is seen, and install repairs it', async () => {
    const spec: QueueSpec = { selectors: [], first: 0, count: 2, bypass: true, bypassMark: 0x20000000 };
    await port.install(spec, signal);
    await iptables('security', ['-A', 'FORWARD', '-j', 'CSGW-IPS']);
    expect((await port.observe(spec, signal)).intact).toBe(false);
    await port.install(spec, signal);
    expect((await port.observe(spec, signal)).intact).toBe(true);
    await iptables('mangle', ['-F', 'CSGW-IPS-BYPASS']);
    expect((await port.observe(spec, signal)).intact).toBe(false);
    await port.install(spec, signal);
    expect((await port.observe(spec, signal)).intact).toBe(true);
    await port.remove(signal);
  }, 60_000);
});
