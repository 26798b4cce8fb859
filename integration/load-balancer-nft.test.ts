// The LoadBalancer's nftables path against the real kernel, in this test's own network namespace (`unshare --net`,
// as scripts/test.sh runs the integration stage): every table it renders is accepted and reads back to an empty plan,
// and connections made on the gateway itself (nat output) are spread, drained and kept as the planner says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import {
  createLoadBalancerController,
  renderLbTable,
  type LoadBalancerController,
} from '../controllers/load-balancer/index.js';
import { serviceChain, targetChain } from '../controllers/load-balancer/names.js';
import type { KindSnapshot } from '../runtime/controller.js';
import { FakeMembership } from '../testing/fake-membership.js';

const signal = new AbortController().signal;
const LISTENER = '10.99.0.1';
const TARGETS = ['10.99.0.2', '10.99.0.3'];
/** Joins the service in the delta test. */
const LATE_TARGET = '10.99.0.4';
const TARGET_PORT = 9001;

let now = Date.parse('2025-01-01T00:00:00Z');
const membership = new FakeMembership();
let controller: LoadBalancerController;
const servers: Server[] = [];

function snapshot(specs: Record<string, unknown>): KindSnapshot {
  const resources = Object.entries(specs).map(([name, spec], i) => ({
    name,
    generation: 1,
    value: JSON.stringify(spec),
    modifiedAt: `2025-01-01T00:00:0${i}Z`,
  }));
  return { kind: 'LoadBalancer', resources };
}

/** decode -> observe -> plan -> apply, then the plan of a fresh observation (full listing), which must be empty. */
async function reconcile(specs: Record<string, unknown>): Promise<unknown[]> {
  const decoded = controller.decode(snapshot(specs));
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const first = await controller.observe(signal, { full: true, desired: decoded.desired });
  await controller.apply(controller.plan(decoded.desired, first), signal);
  const again = await controller.observe(signal, { full: true, desired: decoded.desired });
  return controller.plan(decoded.desired, again);
}

/** One pass through an incremental observe (as between resyncs): what it applied, then a full check (empty plan). */
async function deltaPass(specs: Record<string, unknown>): Promise<{ applied: string[]; after: unknown[] }> {
  const decoded = controller.decode(snapshot(specs));
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const plan = controller.plan(
    decoded.desired,
    await controller.observe(signal, { full: false, desired: decoded.desired }),
  );
  await controller.apply(plan, signal);
  const again = await controller.observe(signal, { full: true, desired: decoded.desired });
  const applied = plan.map(controller.describe).filter((line) => !line.startsWith('record drain'));
  return { applied, after: controller.plan(decoded.desired, again) };
}

/** Packets counted by each chain's rules in the kernel, by chain name. */
async function kernelCounters(): Promise<Record<string, number>> {
  const listed = await createNftAdapter(createExecRunner()).listTable('ip', 'csgw_lb', signal);
  const counters: Record<string, number> = {};
  for (const c of listed?.counters ?? []) counters[c.chain] = (counters[c.chain] ?? 0) + c.packets;
  return counters;
}

/** One connection through the listener: which target answered, and the open socket. */
function dial(): Promise<{ target: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: LISTENER, port: 8080 });
    socket.once('error', reject);
    socket.once('data', (data) => resolve({ target: data.toString().trim(), socket }));
  });
}

async function targetsOf(n: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const { target, socket } = await dial();
    answers.push(target);
    socket.destroy();
  }
  return answers;
}

beforeAll(async () => {
  // A namespace of its own has lo and nothing else: anywhere else this test would change a real host's lo and nft.
  const links = (await execa('ip', ['-o', 'link', 'show'])).stdout.trim().split('\n');
  if (links.length !== 1 || !/^1: lo:/.test(links[0] ?? ''))
    throw new Error('run under `unshare --net`: this test adds addresses to lo and nft tables');
  await execa('ip', ['link', 'set', 'lo', 'up']);
  for (const address of [LISTENER, ...TARGETS, LATE_TARGET])
    await execa('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  for (const address of [...TARGETS, LATE_TARGET]) {
    // Each target says who it is, then echoes: an established flow shows it still reaches the same target.
    const server = createServer((socket) => {
      socket.write(`${address}\n`);
      socket.on('data', (d) => socket.write(d));
    });
    await new Promise<void>((resolve) => server.listen(TARGET_PORT, address, resolve));
    servers.push(server);
  }
  const nft = createNftAdapter(createExecRunner());
  controller = createLoadBalancerController({ nft, membership, mechanism: 'nftables', clock: () => new Date(now) });
  const probe = await controller.probe(signal);
  expect(probe).toMatchObject({ ok: true, details: { mechanism: 'nftables' } });
});

afterAll(async () => {
  for (const server of servers) server.close();
  await execa('nft', ['delete', 'table', 'ip', 'csgw_lb'], { reject: false });
});

describe('LoadBalancer nftables tables in the kernel', () => {
  it('every scheduler, protocol, listener address and sourceNat renders, loads and reads back to an empty plan', async () => {
    const statics = (n: number): unknown[] =>
      Array.from({ length: n }, (_, i) => ({ address: `10.1.${i >> 8}.${i & 255}`, port: 80, weight: (i % 5) + 1 }));
    const specs = {
      rr: { listener: { port: 80 }, targets: { static: statics(3) } },
      wrr: {
        listener: { port: 81, address: LISTENER },
        targets: { static: statics(7) },
        scheduler: 'wrr',
        sourceNat: true,
      },
      sh: { listener: { port: 53, protocol: 'UDP' }, targets: { static: statics(2) }, scheduler: 'sh' },
      wlc: { listener: { port: 82 }, targets: { static: statics(300) }, scheduler: 'wlc' },
    };
    for (const [name, spec] of Object.entries(specs))
      membership.members(
        name,
        (spec.targets.static as { address: string; port: number; weight: number }[]).map((t) => ({
          ...t,
          health: 'healthy',
        })),
      );
    expect(await reconcile(specs)).toEqual([]);
    // A target leaving one service is a drain (weight 0, chain kept), then a removal: each converges too.
    membership.members('wrr', []);
    expect(await reconcile(specs)).toEqual([]);
    now += 301_000;
    expect(await reconcile(specs)).toEqual([]);
    expect(await reconcile({})).toEqual([]);
  }, 60_000);
});

describe('LoadBalancer IPVS-path table in the kernel', () => {
  it('the marking table (filter prerouting, route output, masquerade) loads and reads back unchanged', async () => {
    const nft = createNftAdapter(createExecRunner());
    const services = [
      { id: 1, protocol: 'TCP' as const, port: 80, scheduler: 'mh' as const, sourceNat: true, targets: [] },
      {
        id: 2,
        protocol: 'UDP' as const,
        address: LISTENER,
        port: 53,
        scheduler: 'rr' as const,
        sourceNat: false,
        targets: [],
      },
    ];
    const table = renderLbTable(services, 'ipvs');
    await nft.commit([{ op: 'replaceTable', table }], signal);
    expect((await nft.listTable('ip', 'csgw_lb', signal))?.table).toEqual(table);
    await nft.commit([{ op: 'deleteTable', family: 'ip', name: 'csgw_lb' }], signal);
  });
});

describe('LoadBalancer nftables path with real connections (nat output)', () => {
  const spec = {
    listener: { port: 8080 },
    targets: { static: TARGETS.map((address) => ({ address, port: TARGET_PORT })) },
    drainTimeoutSeconds: 60,
  };
  const healthy = (addresses: string[]): void =>
    membership.members(
      'web',
      addresses.map((address) => ({ address, port: TARGET_PORT, health: 'healthy' as const })),
    );

  it('spreads new connections across the targets round-robin', async () => {
    healthy(TARGETS);
    expect(await reconcile({ web: spec })).toEqual([]);
    const answers = await targetsOf(10);
    expect(new Set(answers)).toEqual(new Set(TARGETS));
    expect(answers.filter((a) => a === TARGETS[0])).toHaveLength(5);
  });

  it('a deregistered target gets no new connections while its established flow continues, then is removed', async () => {
    let open: { target: string; socket: Socket } | undefined;
    for (let i = 0; i < 4 && open?.target !== TARGETS[1]; i += 1) {
      open?.socket.destroy();
      open = await dial();
    }
    expect(open?.target).toBe(TARGETS[1]);
    healthy([TARGETS[0] ?? '']);
    expect(await reconcile({ web: spec })).toEqual([]);
    expect(new Set(await targetsOf(6))).toEqual(new Set([TARGETS[0]]));
    const echoed = new Promise<string>((resolve) => open?.socket.once('data', (d) => resolve(d.toString())));
    open?.socket.write('still here\n');
    expect(await echoed).toBe('still here\n');
    open?.socket.destroy();
    now += 60_000;
    expect(await reconcile({ web: spec })).toEqual([]);
    const table = await execa('nft', ['list', 'table', 'ip', 'csgw_lb']);
    expect(table.stdout).not.toContain(TARGETS[1]);
  });
});

describe('LoadBalancer nftables deltas in the kernel (one target change between resyncs)', () => {
  const spec = {
    listener: { port: 8080 },
    targets: { static: [...TARGETS, LATE_TARGET].map((address) => ({ address, port: TARGET_PORT })) },
    scheduler: 'wrr',
    drainTimeoutSeconds: 60,
  };
  const weighted = (weights: Record<string, number>): void =>
    membership.members(
      'web',
      Object.entries(weights).map(([address, weight]) => ({
        address,
        port: TARGET_PORT,
        weight,
        health: 'healthy' as const,
      })),
    );
  /** The service's id as the controller assigns it (a hash of the name), and the chains named after it. */
  const id = (): number => {
    const decoded = controller.decode(snapshot({ web: spec }));
    return decoded.ok ? (decoded.desired.spec.services[0]?.id ?? -1) : -1;
  };
  const chain = (address: string): string => targetChain(id(), address, TARGET_PORT);
  const rewrite = (): string => `rewrite chain ${serviceChain(id())} of ip csgw_lb (1 rules)`;
  const [a, b] = TARGETS as [string, string];
  let open: { target: string; socket: Socket } | undefined;

  async function stillEchoes(): Promise<void> {
    const echoed = new Promise<string>((resolve) => open?.socket.once('data', (d) => resolve(d.toString())));
    open?.socket.write('still here\n');
    expect(await echoed).toBe('still here\n');
  }

  it('a weight change rewrites only the service chain: the open flow and every target chain counter survive', async () => {
    weighted({ [a]: 1, [b]: 1 });
    expect(await reconcile({ web: spec })).toEqual([]);
    await targetsOf(4);
    for (let i = 0; i < 4 && open?.target !== a; i += 1) {
      open?.socket.destroy();
      open = await dial();
    }
    expect(open?.target).toBe(a);
    const before = await kernelCounters();
    expect(before[chain(a)]).toBeGreaterThan(0);
    expect(before[chain(b)]).toBeGreaterThan(0);
    weighted({ [a]: 3, [b]: 1 });
    expect(await deltaPass({ web: spec })).toEqual({
      applied: [rewrite()],
      after: [],
    });
    await stillEchoes();
    expect(await kernelCounters()).toMatchObject({ [chain(a)]: before[chain(a)], [chain(b)]: before[chain(b)] });
    expect((await targetsOf(4)).filter((t) => t === a)).toHaveLength(3);
  });

  it('a new target adds its chain and takes connections; the others keep their counters and the open flow', async () => {
    const before = await kernelCounters();
    weighted({ [a]: 3, [b]: 1, [LATE_TARGET]: 1 });
    expect(await deltaPass({ web: spec })).toEqual({
      applied: [`add chain ${chain(LATE_TARGET)} to ip csgw_lb (1 rules)`, rewrite()],
      after: [],
    });
    await stillEchoes();
    expect(await kernelCounters()).toMatchObject({
      [chain(a)]: before[chain(a)],
      [chain(b)]: before[chain(b)],
      [chain(LATE_TARGET)]: 0,
    });
    expect(await targetsOf(5)).toContain(LATE_TARGET);
  });

  it('a removed target drains, then its chain alone is deleted; the open flow and the others survive', async () => {
    weighted({ [a]: 3, [LATE_TARGET]: 1 });
    expect((await deltaPass({ web: spec })).applied).toEqual([rewrite()]);
    expect(await targetsOf(8)).not.toContain(b);
    const before = await kernelCounters();
    now += 61_000;
    expect(await deltaPass({ web: spec })).toEqual({ applied: [`delete chain ${chain(b)} of ip csgw_lb`], after: [] });
    await stillEchoes();
    const after = await kernelCounters();
    expect(after).toMatchObject({ [chain(a)]: before[chain(a)], [chain(LATE_TARGET)]: before[chain(LATE_TARGET)] });
    expect(Object.keys(after)).not.toContain(chain(b));
    open?.socket.destroy();
  });
});
