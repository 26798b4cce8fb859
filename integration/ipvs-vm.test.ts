import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startIpvsVm, type IpvsVm } from './harness/ipvs-vm.js';
import {
  CHI_SQUARE_P001_1DF,
  CHI_SQUARE_P001_2DF,
  chiSquare,
  finishLongConnection,
  startLongConnection,
  tally,
} from './ipvs-vm/client.js';
import { buildTopology, inVm, SERVICE_PORT, TARGETS, VIRTUAL_IP, type TargetName } from './ipvs-vm/topology.js';

// Real IPVS needs a kernel with ip_vs; this host's has none, so the director is a qemu VM with Debian's stock kernel.
const SERVICE = `${VIRTUAL_IP}:${SERVICE_PORT}`;
const addressOf = (name: TargetName): string => `${TARGETS.find((t) => t.name === name)?.address}:${SERVICE_PORT}`;

describe('IPVS director in a VM (raw ipvsadm)', () => {
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

  /** Replaces the whole IPVS table with one virtual service over `weights` (target name -> weight). */
  async function service(scheduler: string, weights: Partial<Record<TargetName, number>>): Promise<void> {
    const rules = [
      `-A -t ${SERVICE} -s ${scheduler}`,
      ...Object.entries(weights).map(([name, w]) => `-a -t ${SERVICE} -r ${addressOf(name as TargetName)} -m -w ${w}`),
    ];
    await inVm(runner(), ['ipvsadm', '-C']);
    await inVm(runner(), ['ipvsadm', '-R'], `${rules.join('\n')}\n`);
  }

  it(
    'round robin spreads connections evenly across the three targets',
    explained(async () => {
      await service('rr', { t1: 1, t2: 1, t3: 1 });
      const counts = await tally(runner(), 60);
      expect(Object.values(counts).every((n) => n > 0)).toBe(true);
      expect(chiSquare(Object.values(counts), [1 / 3, 1 / 3, 1 / 3])).toBeLessThan(CHI_SQUARE_P001_2DF);
    }),
    120_000,
  );

  it(
    'weighted round robin honours weights 1:2:3',
    explained(async () => {
      await service('wrr', { t1: 1, t2: 2, t3: 3 });
      const counts = await tally(runner(), 60);
      expect(chiSquare([counts.t1, counts.t2, counts.t3], [1 / 6, 2 / 6, 3 / 6])).toBeLessThan(CHI_SQUARE_P001_2DF);
      expect(counts.t3).toBeGreaterThan(counts.t1);
    }),
    120_000,
  );

  it(
    'weight 0 takes no new connections while an established one continues',
    explained(async () => {
      await service('rr', { t1: 1, t2: 1, t3: 1 });
      const held = await startLongConnection(runner());
      await inVm(runner(), ['ipvsadm', '-e', '-t', SERVICE, '-r', addressOf(held), '-m', '-w', '0']);

      const table = await inVm(runner(), ['ipvsadm', '-Ln', '-t', SERVICE]);
      expect(table).toMatch(new RegExp(`-> ${addressOf(held).replace(/\./g, '\\.')}\\s+Masq\\s+0\\s+1\\s`));
      const counts = await tally(runner(), 30);
      expect(counts[held]).toBe(0);
      expect(Object.values(counts).filter((n) => n > 0)).toHaveLength(2);
      expect(await finishLongConnection(runner())).toBe(held);
    }),
    120_000,
  );

  it(
    'a removed real server gets no connections and the rest share them',
    explained(async () => {
      await service('rr', { t1: 1, t2: 1, t3: 1 });
      await inVm(runner(), ['ipvsadm', '-d', '-t', SERVICE, '-r', addressOf('t3')]);
      const counts = await tally(runner(), 30);
      expect(counts.t3).toBe(0);
      expect(chiSquare([counts.t1, counts.t2], [1 / 2, 1 / 2])).toBeLessThan(CHI_SQUARE_P001_1DF);
    }),
    120_000,
  );
});
