import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectOutcome,
  createTopology,
  curlEcho,
  ensureImages,
  Operator,
  operatorCommand,
  startEchoServer,
  waitFor,
  type ConnectOutcome,
  type Manifest,
  type Topology,
} from './harness/index.js';

/**
 * A 10,000-rule FirewallPolicy split over 200 resources (an SSM parameter holds at most 8 KB), with real connections
 * from the client to echo servers on the server, and `csgw explain` checked against what the kernel did.
 *
 * The policy denies by default; four rules among the generated filler decide the test flows:
 *   ICMP_AT    allow client /24 → server, icmp
 *   DENY_AT    deny  client /32 → server, tcp OTHER          (deep in the list)
 *   REJECT_AT  reject client /24 → server, tcp REJECTED
 *   ALLOW_AT   allow client /24 → server /24, tcp WEB-LAST   (would allow OTHER and REJECTED too, were it first)
 * LAST is covered by ALLOW_AT; UNLISTED falls through to the default deny.
 */
const KIND = 'FirewallPolicy';
const RESOURCES = 200;
const RULES_PER_RESOURCE = 50;
const TOTAL_RULES = RESOURCES * RULES_PER_RESOURCE;
const [ICMP_AT, DENY_AT, REJECT_AT, ALLOW_AT] = [2_500, 7_342, 8_123, 9_876];
const WEB = 8080;
const OTHER = 8081;
const REJECTED = 8082;
const LAST = 8083;
const UNLISTED = 8084;
const SSM_ADVANCED_LIMIT = 8192;

let t: Topology;
let op: Operator;

/** Rule i of the merged policy: one of the four above, else deterministic filler that matches no test flow. */
function ruleAt(i: number): Record<string, unknown> {
  const clientNet = t.privateSubnet;
  const server = `${t.serverIp}/32`;
  const tcp = (ports: (number | string)[]): Record<string, unknown> => ({ protocol: 'tcp', destinationPorts: ports });
  if (i === ICMP_AT) return { action: 'allow', sourceCidrs: [clientNet], destinationCidrs: [server], protocol: 'icmp' };
  if (i === DENY_AT)
    return { action: 'deny', sourceCidrs: [`${t.clientIp}/32`], destinationCidrs: [server], ...tcp([OTHER]) };
  if (i === REJECT_AT)
    return { action: 'reject', sourceCidrs: [clientNet], destinationCidrs: [server], ...tcp([REJECTED]) };
  if (i === ALLOW_AT)
    return {
      action: 'allow',
      sourceCidrs: [clientNet],
      destinationCidrs: [t.publicSubnet],
      ...tcp([`${WEB}-${LAST}`]),
    };
  // A broad rule now and then overlaps later filler, so the compiler cannot fold everything into three groups.
  if (i % 1000 === 999) return { action: 'allow', sourceCidrs: ['100.64.0.0/10'], protocol: 'udp' };
  const action = i % 7 === 0 ? 'allow' : i % 11 === 0 ? 'reject' : 'deny';
  const source = `100.${64 + ((i >> 8) & 63)}.${i & 255}.0/24`; // unique per rule, inside 100.64.0.0/10
  return { action, sourceCidrs: [source], protocol: i % 2 ? 'tcp' : 'udp', destinationPorts: [1024 + (i % 50_000)] };
}

/** bulk-000 … bulk-199, evaluated in that order (spec.order, then name); bulk-000 sets the default. */
function largePolicy(): Manifest[] {
  return Array.from({ length: RESOURCES }, (_, r) => ({
    kind: KIND,
    name: `bulk-${String(r).padStart(3, '0')}`,
    spec: {
      order: 1000 + r,
      ...(r === 0 ? { defaultAction: 'deny' } : {}),
      rules: Array.from({ length: RULES_PER_RESOURCE }, (_, k) => ruleAt(r * RULES_PER_RESOURCE + k)),
    },
  }));
}

/** The id status and explain give rule i: "<resource>/rules[<index>]". */
function ruleId(i: number): string {
  return `bulk-${String(Math.floor(i / RULES_PER_RESOURCE)).padStart(3, '0')}/rules[${i % RULES_PER_RESOURCE}]`;
}

async function tcpOutcome(port: number): Promise<ConnectOutcome> {
  return connectOutcome(await curlEcho(t, { host: t.serverIp, port }, '/', { maxTimeSec: 2 }));
}

async function pingOutcome(): Promise<ConnectOutcome> {
  const ping = await t.exec('client', ['ping', '-c', '1', '-W', '2', t.serverIp]);
  return ping.exitCode === 0 ? 'connected' : 'timeout';
}

/** What a connection attempt should end in under each verdict. */
const EXPECTED: Record<string, ConnectOutcome> = { allow: 'connected', deny: 'timeout', reject: 'refused' };

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('firewall-scale', { gatewayCommand: operatorCommand() });
  op = await Operator.connect(t);
  for (const port of [OTHER, REJECTED, LAST, UNLISTED]) await startEchoServer(t, 'server', port);
  await op.apply({ kind: 'SourceNat', name: 'default', spec: { enable: true } });
  await waitFor(async () => (await tcpOutcome(UNLISTED)) === 'connected', { timeoutMs: 30_000, what: 'SourceNat' });
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('a 10,000-rule FirewallPolicy', () => {
  it('loads from 200 resources, converges and enforces', async () => {
    const docs = largePolicy();
    for (const doc of docs) expect(JSON.stringify(doc.spec).length).toBeLessThan(SSM_ADVANCED_LIMIT);
    await op.apply(...docs);

    const status = await op.waitForReady(KIND, 1, {
      accept: (s) => s.details.ruleCount === TOTAL_RULES,
      timeoutMs: 240_000,
    });
    expect(status.name?.split(',')).toEqual(docs.map((d) => d.name));
    const groups = status.details.groups as { rules: number; firstRule?: string }[];
    // Status lists only the first groups; groupCount counts them all.
    expect(status.details.groupCount).toBeGreaterThan(3);
    expect(status.details.groupCount).toBeGreaterThanOrEqual(groups.length);
    expect(groups[0]?.firstRule).toBe(ruleId(0));

    expect(await tcpOutcome(WEB)).toBe('connected'); // allowed by ALLOW_AT only: the default denies
    expect(await tcpOutcome(OTHER)).toBe('timeout'); // DENY_AT, 7,342 rules down, before ALLOW_AT
  }, 300_000);

  it('the kernel agrees with csgw explain on a sample of packets', async () => {
    const samples: { proto: 'tcp' | 'icmp'; port?: number; decidedBy?: string }[] = [
      { proto: 'tcp', port: WEB, decidedBy: ruleId(ALLOW_AT) },
      { proto: 'tcp', port: OTHER, decidedBy: ruleId(DENY_AT) },
      { proto: 'tcp', port: REJECTED, decidedBy: ruleId(REJECT_AT) },
      { proto: 'tcp', port: LAST, decidedBy: ruleId(ALLOW_AT) },
      { proto: 'tcp', port: UNLISTED }, // the default
      { proto: 'icmp', decidedBy: ruleId(ICMP_AT) },
    ];
    const rows = [];
    for (const sample of samples) {
      const port = sample.port === undefined ? [] : ['--dport', String(sample.port)];
      const args = [
        'explain',
        '--src',
        t.clientIp,
        '--dst',
        t.serverIp,
        '--proto',
        sample.proto,
        ...port,
        '-o',
        'json',
      ];
      const { filter } = JSON.parse(await op.csgw(args)) as { filter: { action: string; ruleId?: string } };
      const kernel = sample.proto === 'icmp' ? await pingOutcome() : await tcpOutcome(sample.port ?? 0);
      const packet = `${sample.proto}/${sample.port ?? '-'}`;
      rows.push({ packet, explain: filter.action, rule: filter.ruleId, kernel, expected: EXPECTED[filter.action] });
    }
    // One table, so a mismatch shows every sample side by side.
    expect(rows.map((r) => [r.packet, r.kernel])).toEqual(rows.map((r) => [r.packet, r.expected]));
    expect(rows.map((r) => r.rule)).toEqual(samples.map((s) => s.decidedBy));
    expect(rows.map((r) => r.explain)).toEqual(['allow', 'deny', 'reject', 'allow', 'deny', 'allow']);
  }, 120_000);
});
