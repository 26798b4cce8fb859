// OwnedTable against the real kernel with `nft monitor` watching (run under `unshare --net`): the controller reads
// its table from memory between resyncs, its own commits never count as tampering, an element deleted by hand is
// put back within about a second through changes$, and any sequence of incremental edits leaves exactly what a full
// apply of the final spec leaves.
import { afterEach, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import fc from 'fast-check';
import { firstValueFrom, timeout } from 'rxjs';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createNftMonitor } from '../adapters/nft-monitor.js';
import { createFirewallController, type FirewallController } from '../controllers/firewall/index.js';
import type { KindSnapshot } from '../runtime/controller.js';
import type { CommandRunner, NftPort } from '../runtime/ports.js';
import { decoded, fwSnapshot, reconcilePass, replan } from '../testing/firewall-fixtures.js';
import { FakeSysctl } from '../testing/fake-sysctl.js';
import * as pf from '../testing/port-forward-fixtures.js';
import { createPortForwardController } from '../controllers/port-forward/index.js';
import { waitFor } from '../testing/wait.js';

const signal = (): AbortSignal => new AbortController().signal;
const TABLE = ['inet', 'csgw_filter'] as const;

/**
 * The real nft with a monitor, counting the processes the controller spawns on its change path: commits and full
 * listings (a terse listing that refreshes counters in the background is not on it).
 */
function realNft(): { nft: NftPort; spawns: () => number } {
  const exec = createExecRunner();
  let spawns = 0;
  const runner: CommandRunner = {
    run: (file, args, opts) => {
      if (!args.includes('-t')) spawns += 1;
      return exec.run(file, args, opts);
    },
  };
  const monitor = createNftMonitor({ argv: ['nft', 'monitor'] });
  return { nft: createNftAdapter(runner, 'nft', monitor), spawns: () => spawns };
}

const rules = (hosts: readonly number[], action = 'allow'): Record<string, unknown>[] =>
  hosts.map((h) => ({
    action,
    destinationCidrs: [`10.0.${h >> 8}.${h & 255}/32`],
    protocol: 'tcp',
    destinationPorts: [443],
  }));

const policy = (spec: unknown): ReturnType<typeof fwSnapshot> => fwSnapshot({ name: 'p', spec });

async function elementsOf(set: string): Promise<string> {
  return (await execa('nft', ['list', 'set', ...TABLE, set])).stdout;
}

const controllers: FirewallController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.shutdown?.();
  await execa('nft', ['delete', 'table', ...TABLE], { reject: false });
});

function controller(nft: NftPort): FirewallController {
  const c = createFirewallController({ ports: { nft } });
  controllers.push(c);
  return c;
}

/** Forwards from any source on single ports: exact-match maps, whose element events nft 1.0.6 prints correctly. */
const forwards = (hosts: readonly number[]): KindSnapshot =>
  pf.pfSnapshot([{ name: 'web', spec: { rules: hosts.map((h) => pf.rule(8000 + h, `10.0.1.${h}`, 80)) } }]);

async function mapOf(name: string): Promise<string> {
  return (await execa('nft', ['list', 'map', 'inet', 'csgw_dnat', name])).stdout;
}

describe('OwnedTable with nft monitor, in the kernel', () => {
  afterEach(() => execa('nft', ['delete', 'table', 'inet', 'csgw_dnat'], { reject: false }));

  it('reads its own commits from memory, and puts back an element deleted by hand within about a second', async () => {
    const { nft, spawns } = realNft();
    const sysctl = new FakeSysctl({ 'net.ipv4.ip_forward': { value: '1', writable: true } });
    const c = createPortForwardController({ ports: { nft, sysctl } });
    const desired = pf.decoded(c, forwards([1, 2, 3]));
    try {
      await waitFor(
        async () =>
          c.details(desired, await c.observe(signal(), { full: false, desired })).tamperDetection === 'nft monitor' ||
          undefined,
        { what: 'monitor live', timeoutMs: 5000, intervalMs: 50 },
      );
      await pf.reconcilePass(c, desired, true);
      expect(await pf.planNow(c, desired, false)).toEqual([]);
      // An edit through the controller: one commit, no listing before or after it (verify reads memory).
      const before = spawns();
      const edited = pf.decoded(c, forwards([1, 2, 3, 4]));
      expect((await pf.reconcilePass(c, edited)).length).toBeGreaterThan(0);
      expect(await pf.planNow(c, edited, false)).toEqual([]);
      expect(spawns() - before).toBe(1);
      expect(await mapOf('any_addr')).toContain('10.0.1.4');
      // Our own commits are not tampering: nothing asks for an observe.
      const own = firstValueFrom(c.changes$!.pipe(timeout(700))).then(
        () => 'told',
        () => 'quiet',
      );
      await pf.reconcilePass(c, desired);
      await pf.reconcilePass(c, edited);
      expect(await own).toBe('quiet');
      // Tampering: changes$ fires, the next (cached) observe lists in full, and the pass repairs it.
      const started = performance.now();
      const told = firstValueFrom(c.changes$!.pipe(timeout(2000)));
      await execa('nft', ['delete', 'element', 'inet', 'csgw_dnat', 'any_addr', '{ tcp . 8004 }']);
      await told;
      await pf.reconcilePass(c, edited);
      expect(await mapOf('any_addr')).toContain('10.0.1.4');
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await c.shutdown?.();
    }
  }, 30_000);
});

/** Rules over a small pool of hosts, actions and ports: edits change elements, and now and then the groups. */
const specArb = fc.record({
  defaultAction: fc.constantFrom('allow', 'deny'),
  rules: fc
    .uniqueArray(
      fc.record({ host: fc.integer({ min: 1, max: 30 }), deny: fc.boolean(), port: fc.constantFrom(80, 443) }),
      { maxLength: 8, selector: (r) => r.host },
    )
    .map((list) =>
      list.map((r) => ({
        action: r.deny ? 'deny' : 'allow',
        destinationCidrs: [`10.0.0.${r.host}/32`],
        protocol: 'tcp',
        destinationPorts: [r.port],
      })),
    ),
});

/** The kernel's table, decoded (handles dropped, counters aside), or undefined. */
const listed = async (nft: NftPort, name: string): Promise<unknown> =>
  (await nft.listTable('inet', name, signal()))?.table;

describe('a table that predates the monitor (operator restart)', () => {
  it('edits converge, and a hand-deleted element is repaired, whatever the monitor makes of it', async () => {
    const before = controller(createNftAdapter(createExecRunner()));
    await reconcilePass(before, decoded(before, policy({ rules: rules([1, 2]) })));
    const { nft } = realNft();
    const fw = controller(nft);
    const desired = decoded(fw, policy({ rules: rules([1, 2, 3]) }));
    await waitFor(
      async () =>
        fw.details(desired, await replan(fw, desired, false).then(() => ({}))).tamperDetection === 'nft monitor' ||
        undefined,
      { what: 'monitor live', timeoutMs: 5000, intervalMs: 50 },
    );
    await reconcilePass(fw, desired, false);
    expect(await replan(fw, desired, false)).toEqual([]);
    const edited = decoded(fw, policy({ rules: rules([2, 3, 4]) }));
    await reconcilePass(fw, edited, false);
    expect(await replan(fw, edited, false)).toEqual([]);
    const set = /set (f\d+)/.exec((await execa('nft', ['list', 'table', ...TABLE])).stdout)![1]!;
    const element = (await elementsOf(set))
      .split(/[{},\n]/)
      .find((e) => e.includes('10.0.0.4'))!
      .trim();
    await execa('nft', ['delete', 'element', ...TABLE, set, `{ ${element} }`]);
    await waitFor(
      async () => {
        await reconcilePass(fw, edited, false);
        return (await elementsOf(set)).includes('10.0.0.4') || undefined;
      },
      { what: 'the element repaired', timeoutMs: 5000, intervalMs: 100 },
    );
    expect(await replan(fw, edited, true)).toEqual([]);
  }, 30_000);
});

describe('incremental edits through OwnedTable, in the kernel', () => {
  const { nft } = realNft();

  it('FirewallPolicy: any sequence of edits leaves what a full apply of the last spec leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 2, maxLength: 5 }), async (specs) => {
        const fw = controller(nft);
        const states = specs.map((spec) => decoded(fw, policy(spec)));
        for (const [i, desired] of states.entries()) {
          await reconcilePass(fw, desired, i === 0);
          expect(await replan(fw, desired, false)).toEqual([]);
        }
        const last = states.at(-1)!;
        const fromMemory = (await fw.observe(signal(), { full: false, desired: last })).table?.table;
        const incremental = await listed(nft, TABLE[1]);
        expect(fromMemory).toEqual(incremental);
        await fw.shutdown?.();
        await execa('nft', ['delete', 'table', ...TABLE], { reject: false });
        const fresh = controller(nft);
        await reconcilePass(fresh, decoded(fresh, policy(specs.at(-1))), true);
        expect(await listed(nft, TABLE[1])).toEqual(incremental);
        await execa('nft', ['delete', 'table', ...TABLE], { reject: false });
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('PortForward: any sequence of edits leaves what a full apply of the last spec leaves', async () => {
    const sysctl = new FakeSysctl({ 'net.ipv4.ip_forward': { value: '1', writable: true } });
    const forwarder = (): ReturnType<typeof createPortForwardController> =>
      createPortForwardController({ ports: { nft, sysctl } });
    await fc.assert(
      fc.asyncProperty(fc.array(pf.pfSnapshotArb, { minLength: 2, maxLength: 5 }), async (snapshots) => {
        const c = forwarder();
        const states = snapshots.flatMap((s) => {
          const r = c.decode(s);
          return r.ok ? [r.desired] : [];
        });
        for (const [i, desired] of states.entries()) {
          await pf.reconcilePass(c, desired, i === 0);
          expect(await pf.planNow(c, desired, false)).toEqual([]);
        }
        const last = states.at(-1);
        if (last) {
          const fromMemory = (await c.observe(signal(), { full: false, desired: last })).table?.table;
          const incremental = await listed(nft, 'csgw_dnat');
          expect(fromMemory).toEqual(incremental);
          await c.shutdown?.();
          await execa('nft', ['delete', 'table', 'inet', 'csgw_dnat'], { reject: false });
          const fresh = forwarder();
          await pf.reconcilePass(fresh, last, true);
          expect(await listed(nft, 'csgw_dnat')).toEqual(incremental);
          await fresh.shutdown?.();
        }
        await execa('nft', ['delete', 'table', 'inet', 'csgw_dnat'], { reject: false });
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
