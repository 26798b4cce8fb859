// The LoadBalancer's IPVS path against real IPVS. This host's kernel has no ip_vs, so the gateway is a qemu VM with
// Debian's stock kernel (integration/harness/ipvs-vm.ts); the controller's own adapters run ipvsadm and nft in it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIpvsVm, type IpvsVm } from './harness/ipvs-vm.js';
import { CHI_SQUARE_P001_1DF, CHI_SQUARE_P001_2DF, chiSquare } from '../testing/chi-square.js';
import { finishLongConnection, startLongConnection, tally } from './ipvs-vm/client.js';
import { createLbFixture, DRAIN_SECONDS, registered, serviceSpec, type LbFixture } from './ipvs-vm/load-balancer.js';
import { buildTopology, inVm, SERVICE_PORT, TARGETS, VIRTUAL_IP, type TargetName } from './ipvs-vm/topology.js';

const signal = new AbortController().signal;
const realServer = (name: TargetName): string => `${TARGETS.find((t) => t.name === name)?.address}:${SERVICE_PORT}`;
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let vm: IpvsVm | undefined;
const runner = () => {
  if (!vm) throw new Error('the VM did not start');
  return vm.runner;
};
/** Runs a test body and prints the VM console when it fails. */
const explained = (body: () => Promise<void>) => async (): Promise<void> => {
  try {
    await body();
  } catch (error) {
    console.error(`VM console:\n${(await vm?.console()) ?? '(no VM)'}`);
    throw error;
  }
};

beforeAll(
  explained(async () => {
    vm = await startIpvsVm();
    await buildTopology(vm.runner);
  }),
  180_000,
);
afterAll(async () => {
  await vm?.stop();
});

describe('the VM agent', () => {
  it(
    'passes argv and stdin verbatim and returns exit status and stderr',
    explained(async () => {
      const argv = ['[%s]\n', '$(touch /run/pwned)', '; touch /run/pwned', '', `a'b"c`, 'two\nlines', '*'];
      const printed = await runner().run('printf', argv, { signal });
      expect(printed).toEqual({
        exitCode: 0,
        stdout: '[$(touch /run/pwned)]\n[; touch /run/pwned]\n[]\n[a\'b"c]\n[two\nlines]\n[*]\n',
        stderr: '',
      });
      expect((await runner().run('ls', ['/run/pwned'], { signal })).exitCode).not.toBe(0);
      const input = 'x\n\n`$HOME` "\\n"\n';
      expect((await runner().run('cat', [], { input, signal })).stdout).toBe(input);
      const failed = await runner().run('sh', ['-c', 'echo oops >&2; exit 7'], { signal });
      expect(failed).toEqual({ exitCode: 7, stdout: '', stderr: 'oops\n' });
    }),
  );

  it(
    'an aborted command rejects, and the next one gets its own answer',
    explained(async () => {
      const controller = new AbortController();
      const slow = runner().run('sh', ['-c', 'sleep 1; echo late'], { signal: controller.signal });
      controller.abort(new Error('given up'));
      await expect(slow).rejects.toThrow('given up');
      expect((await runner().run('echo', ['next'], { signal })).stdout).toBe('next\n');
    }),
  );
});

describe('LoadBalancer on real IPVS (controller, ipvsadm and nft in the VM)', () => {
  let lb: LbFixture;
  const ipvsTable = (): Promise<string> => inVm(runner(), ['ipvsadm', '-Ln']);

  beforeAll(
    explained(async () => {
      lb = createLbFixture(runner());
      expect(await lb.controller.probe(signal)).toMatchObject({ ok: true, details: { mechanism: 'ipvs' } });
    }),
    60_000,
  );

  it(
    'round robin spreads connections evenly across the three targets',
    explained(async () => {
      registered(lb.membership, 'web', { t1: 1, t2: 1, t3: 1 });
      expect(await lb.reconcile({ web: serviceSpec('rr', { t1: 1, t2: 1, t3: 1 }) })).toEqual([]);
      expect(await ipvsTable()).toMatch(/^FWM {2}\d+ rr/m);
      const counts = await tally(runner(), 60);
      expect(Object.values(counts).every((n) => n > 0)).toBe(true);
      expect(chiSquare(Object.values(counts), [1 / 3, 1 / 3, 1 / 3])).toBeLessThan(CHI_SQUARE_P001_2DF);
    }),
    120_000,
  );

  it(
    'weighted round robin honours weights 1:2:3',
    explained(async () => {
      const weights = { t1: 1, t2: 2, t3: 3 };
      registered(lb.membership, 'web', weights);
      expect(await lb.reconcile({ web: serviceSpec('wrr', weights) })).toEqual([]);
      const counts = await tally(runner(), 60);
      expect(chiSquare([counts.t1, counts.t2, counts.t3], [1 / 6, 2 / 6, 3 / 6])).toBeLessThan(CHI_SQUARE_P001_2DF);
      expect(counts.t3).toBeGreaterThan(counts.t1);
    }),
    120_000,
  );

  it(
    'a deregistered target drains: weight 0, no new connections, its established one continues; then it leaves',
    explained(async () => {
      const all = { t1: 1, t2: 1, t3: 1 };
      const spec = { web: serviceSpec('rr', all) };
      registered(lb.membership, 'web', all);
      expect(await lb.reconcile(spec)).toEqual([]);
      const held = await startLongConnection(runner());
      registered(lb.membership, 'web', { ...all, [held]: undefined });
      expect(await lb.reconcile(spec)).toEqual([]);

      expect(await ipvsTable()).toMatch(new RegExp(`-> ${escaped(realServer(held))}\\s+Masq\\s+0\\s+1\\s`));
      const counts = await tally(runner(), 30);
      expect(counts[held]).toBe(0);
      expect(Object.values(counts).filter((n) => n > 0)).toHaveLength(2);
      expect(await finishLongConnection(runner())).toBe(held);

      lb.advance((DRAIN_SECONDS + 1) * 1000);
      expect(await lb.reconcile(spec)).toEqual([]);
      expect(await ipvsTable()).not.toContain(realServer(held));
      const after = await tally(runner(), 20);
      expect(after[held]).toBe(0);
      expect(
        chiSquare(
          Object.values(after).filter((_, i) => TARGETS[i]?.name !== held),
          [0.5, 0.5],
        ),
      ).toBeLessThan(CHI_SQUARE_P001_1DF);
    }),
    120_000,
  );

  it(
    'leaves IPVS services it does not own alone, and removes only its own when the resource goes',
    explained(async () => {
      const foreign = `${VIRTUAL_IP}:9999`;
      await inVm(runner(), ['ipvsadm', '-A', '-t', foreign, '-s', 'wlc']);
      await inVm(runner(), ['ipvsadm', '-a', '-t', foreign, '-r', realServer('t1'), '-m', '-w', '3']);
      const before = await inVm(runner(), ['ipvsadm', '-Ln', '-t', foreign]);

      registered(lb.membership, 'web', { t1: 2, t2: 1 });
      expect(await lb.reconcile({ web: serviceSpec('wrr', { t1: 2, t2: 1 }) })).toEqual([]);
      expect(await inVm(runner(), ['ipvsadm', '-Ln', '-t', foreign])).toBe(before);

      expect(await lb.reconcile({})).toEqual([]);
      const left = await inVm(runner(), ['ipvsadm', '-Sn']);
      expect(left).not.toMatch(/-f /);
      expect(left).toContain(`-A -t ${foreign} -s wlc`);
      const table = await runner().run('nft', ['list', 'table', 'ip', 'csgw_lb'], { signal });
      expect(table.exitCode).not.toBe(0);
    }),
    120_000,
  );
});
