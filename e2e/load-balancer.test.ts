import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTopology,
  curlEcho,
  ensureImages,
  Operator,
  operatorCommand,
  startEchoHost,
  startFakeAwsEndpoint,
  StreamWatcher,
  waitFor,
  type ExtraHost,
  type Topology,
} from './harness/index.js';
import { CHI_SQUARE_P001_2DF, chiSquare } from '../testing/chi-square.js';

/**
 * LoadBalancer on the nftables path (Docker's kernel has no ip_vs), mirroring an NLB target group served by a fake
 * ELBv2 endpoint through the real SDK. Like PortForward's e2e, users are on the public side: the *server* host
 * connects to the gateway's public address; the three targets sit on the private network and route back through the
 * gateway, as private subnets do behind it, so the client address is preserved.
 */
const KIND = 'LoadBalancer';
const LISTEN_PORT = 8000;
const TARGET_PORT = 9000;
const FAKE_PORT = 4567;
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const SYNC_SECONDS = 5;
const DRAIN_SECONDS = 20;

let t: Topology;
let op: Operator;
let fake: ExtraHost;
let targets: ExtraHost[];

type TargetState = 'healthy' | 'unhealthy' | 'draining' | 'initial';

/** Registration and health of every target at once, in the fake ELBv2 (absent targets are deregistered). */
async function setTargetGroup(states: Record<string, TargetState>): Promise<void> {
  const body = JSON.stringify({
    targetGroupArn: TARGET_GROUP,
    targets: Object.entries(states).map(([id, state]) => ({ id, port: TARGET_PORT, state })),
  });
  const url = `http://127.0.0.1:${FAKE_PORT}/_targets`;
  const out = await fake.exec(['curl', '-sf', '-X', 'POST', '-H', 'content-type: application/json', '-d', body, url]);
  if (out.exitCode !== 0) throw new Error(`fake ELBv2 /_targets: ${out.stderr}`);
}

function allStates(state: TargetState): Record<string, TargetState> {
  return Object.fromEntries(targets.map((h) => [h.ip, state]));
}

/** One connection from the public side; the target that answered (its address), or undefined. */
async function hit(): Promise<string | undefined> {
  const probe = await curlEcho(t, { host: t.gatewayPublicIp, port: LISTEN_PORT }, '/', { from: 'server' });
  return probe.reply?.localAddress;
}

async function spread(connections: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < connections; i++) {
    const ip = (await hit()) ?? 'failed';
    counts.set(ip, (counts.get(ip) ?? 0) + 1);
  }
  return counts;
}

/** The spread's chi-square statistic against an even split among `among`. */
function evenSpread(counts: Map<string, number>, among: readonly string[]): number {
  return chiSquare(
    among.map((ip) => counts.get(ip) ?? 0),
    among.map(() => 1 / among.length),
  );
}

interface TargetStatus {
  address: string;
  weight: number;
  health?: string;
  state?: string;
}

async function targetStatus(): Promise<TargetStatus[]> {
  const status = await op.controller(KIND);
  const services = (status?.details.services ?? []) as { name: string; targets: TargetStatus[] }[];
  return services.find((s) => s.name === 'web')?.targets ?? [];
}

async function waitForWeight(address: string, weight: number | 'absent', what: string): Promise<void> {
  await waitFor(
    async () => {
      const entry = (await targetStatus()).find((s) => s.address === address);
      return weight === 'absent' ? !entry : entry?.weight === weight;
    },
    { timeoutMs: (SYNC_SECONDS + DRAIN_SECONDS) * 1000 + 20_000, what },
  );
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('load-balancer', {
    gatewayCommand: operatorCommand(),
    gatewayEnv: {
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: `http://fake-elbv2:${FAKE_PORT}`,
      // The fake checks no signatures; the SDK only needs some credentials to sign with.
      AWS_ACCESS_KEY_ID: 'e2e',
      AWS_SECRET_ACCESS_KEY: 'e2e',
      // No AWS_REGION: with one, SSM would be the real one (the embedded store serves this test); us-east-1 is the
      // default of the ELBv2 client.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  op = await Operator.connect(t);
  fake = await startFakeAwsEndpoint(t, 'elbv2', FAKE_PORT);
  targets = [];
  for (const name of ['target-a', 'target-b', 'target-c']) {
    const host = await startEchoHost(t, name, TARGET_PORT, 'private');
    const route = await host.exec(['ip', 'route', 'replace', 'default', 'via', t.gatewayPrivateIp]);
    if (route.exitCode !== 0) throw new Error(`route on ${name}: ${route.stderr}`);
    targets.push(host);
  }
  // Forwarding (ip_forward) belongs to SourceNat.
  await op.apply({ kind: 'SourceNat', name: 'default', spec: { enable: true, sourceCidrs: [t.privateSubnet] } });
  await setTargetGroup(allStates('healthy'));
  await op.apply({
    kind: KIND,
    name: 'web',
    spec: {
      listener: { protocol: 'TCP', port: LISTEN_PORT },
      targets: { targetGroupArn: TARGET_GROUP },
      scheduler: 'rr',
      syncIntervalSeconds: SYNC_SECONDS,
      drainTimeoutSeconds: DRAIN_SECONDS,
    },
  });
  await waitFor(async () => (await targetStatus()).filter((s) => s.weight > 0).length === 3, {
    timeoutMs: 60_000,
    what: 'three targets with weight',
  });
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('LoadBalancer (nftables path) mirroring a target group', () => {
  it('reports the nftables mechanism, this kernel having no ip_vs', async () => {
    const status = await op.controller(KIND);
    expect(status?.details.mechanism).toBe('nftables');
  });

  it('spreads connections over the three targets, preserving the client address', async () => {
    const counts = await spread(60);
    const ips = targets.map((h) => h.ip);
    expect(counts.get('failed')).toBeUndefined();
    expect([...counts.keys()].sort()).toEqual([...ips].sort());
    expect(evenSpread(counts, ips)).toBeLessThan(CHI_SQUARE_P001_2DF);
    const reply = await curlEcho(t, { host: t.gatewayPublicIp, port: LISTEN_PORT }, '/', { from: 'server' });
    expect(reply.reply?.remoteAddress).toBe(t.serverIp);
  }, 120_000);

  it('a draining target gets no new connections while its established download completes', async () => {
    const stream = await StreamWatcher.start(
      t,
      'server',
      `http://${t.gatewayPublicIp}:${LISTEN_PORT}/stream?seconds=12`,
    );
    const busy = await streamTarget();
    await setTargetGroup({ ...allStates('healthy'), [busy]: 'draining' });
    await waitForWeight(busy, 0, `${busy} drained to weight 0`);
    const counts = await spread(30);
    expect(counts.get(busy)).toBeUndefined();
    expect(counts.get('failed')).toBeUndefined();
    const summary = await stream.finished(30_000);
    expect(summary).toMatchObject({ ended: true });
    expect(summary.error).toBeUndefined();
    expect(summary.lines).toBeGreaterThanOrEqual(100);
    // Deregistered now: gone from the service once the drain timeout passed.
    await setTargetGroup(Object.fromEntries(targets.filter((h) => h.ip !== busy).map((h) => [h.ip, 'healthy'])));
    await waitForWeight(busy, 'absent', `${busy} removed after the drain timeout`);
    await setTargetGroup(allStates('healthy'));
    await waitForWeight(busy, 1, `${busy} back`);
  }, 180_000);

  it('a target going unhealthy leaves within one sync', async () => {
    const sick = targets[0]!.ip;
    const changedAt = Date.now();
    await setTargetGroup({ ...allStates('healthy'), [sick]: 'unhealthy' });
    await waitForWeight(sick, 0, `${sick} out of rotation`);
    // One sync interval, plus the operator's 2 s resync, the 1 s status interval and slack for a busy machine.
    expect(Date.now() - changedAt).toBeLessThan((SYNC_SECONDS + 10) * 1000);
    const counts = await spread(30);
    expect(counts.get(sick)).toBeUndefined();
    expect(counts.get('failed')).toBeUndefined();
  }, 120_000);

  it('with no healthy target it fails open to the registered ones, as an NLB does', async () => {
    await setTargetGroup(allStates('unhealthy'));
    await waitFor(async () => (await op.controller(KIND))?.conditions.some((c) => c.reason === 'NoHealthyTargets'), {
      timeoutMs: 30_000,
      what: 'the NoHealthyTargets condition',
    });
    const counts = await spread(15);
    expect(counts.get('failed')).toBeUndefined();
    await setTargetGroup(allStates('healthy'));
  }, 120_000);
});

/** The target holding the stream: the one with an established connection on the target port. */
async function streamTarget(): Promise<string> {
  for (const host of targets) {
    const out = await host.exec(['ss', '-Htn', 'state', 'established', `( sport = :${TARGET_PORT} )`]);
    if (out.exitCode === 0 && out.stdout.trim() !== '') return host.ip;
  }
  throw new Error('no target holds the stream');
}
