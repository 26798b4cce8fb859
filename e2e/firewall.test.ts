import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  connectOutcome,
  createTopology,
  curlEcho,
  ensureImages,
  Operator,
  operatorCommand,
  startEchoServer,
  StreamWatcher,
  waitFor,
  type ConnectOutcome,
  type Manifest,
  type Topology,
} from './harness/index.js';

/**
 * FirewallPolicy with real connections: client → gateway (forward chain, then SourceNat) → server. The server runs
 * the topology's echo server on WEB and a second one on OTHER, so a rule can name one port and leave the other.
 */
const KIND = 'FirewallPolicy';
const WEB = 8080;
const OTHER = 8081;
const STREAM_SECONDS = 20;

let t: Topology;
let op: Operator;
const written = new Set<string>();

const client = (): string => `${t.clientIp}/32`;
const server = (): string => `${t.serverIp}/32`;

function policy(name: string, spec: Record<string, unknown>): Manifest {
  return { kind: KIND, name, spec };
}

function tcpRule(action: string, source: string, ports: (number | string)[]): Record<string, unknown> {
  return { action, sourceCidrs: [source], destinationCidrs: [server()], protocol: 'tcp', destinationPorts: ports };
}

/** Written in the order given: a later document sees every earlier one in the same SSM listing. */
async function apply(...docs: Manifest[]): Promise<void> {
  for (const doc of docs) written.add(doc.name);
  await op.apply(...docs);
}

async function outcome(port: number): Promise<ConnectOutcome> {
  return connectOutcome(await curlEcho(t, { host: t.serverIp, port }, '/', { maxTimeSec: 2 }));
}

async function becomes(port: number, want: ConnectOutcome, what: string): Promise<void> {
  await waitFor(async () => (await outcome(port)) === want, { timeoutMs: 30_000, what: `${what} (${port} ${want})` });
}

/** Packets counted by the lookup rule of group `index` of the forward chain (status details). */
function groupPackets(details: Record<string, unknown>, index: number): number {
  const group = (details.groups as { set: string }[] | undefined)?.[index];
  const counters = details.counters as Record<string, number> | undefined;
  return (group && counters?.[`forward_${group.set}_packets`]) ?? 0;
}

/** `nft -a list table inet csgw_filter` in the gateway; '' when the table does not exist. */
async function tableListing(): Promise<string> {
  const listed = await t.exec('gateway', ['nft', '-a', 'list', 'table', 'inet', 'csgw_filter']);
  return listed.exitCode === 0 ? listed.stdout : '';
}

/** The kernel's handle of the table: a rebuild (delete + add in one transaction) gives it a new one. */
async function tableHandle(): Promise<string | undefined> {
  return /table inet csgw_filter \{ # handle (\d+)/.exec(await tableListing())?.[1];
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('firewall', { gatewayCommand: operatorCommand() });
  op = await Operator.connect(t);
  await startEchoServer(t, 'server', OTHER);
  await op.apply({ kind: 'SourceNat', name: 'default', spec: { enable: true } });
  await becomes(WEB, 'connected', 'SourceNat');
  await becomes(OTHER, 'connected', 'SourceNat');
}, 20 * 60_000);

// Each test starts with no FirewallPolicy: the table is gone and both ports answer.
afterEach(async () => {
  await op.delete(KIND, [...written]);
  written.clear();
  await waitFor(async () => (await tableHandle()) === undefined, { timeoutMs: 30_000, what: 'csgw_filter removed' });
  await becomes(WEB, 'connected', 'no policy');
}, 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('FirewallPolicy in a gateway container', () => {
  it('a deny rule drops the flow it names and removing it restores the flow', async () => {
    await apply(policy('block-web', { rules: [{ ...tcpRule('deny', client(), [WEB]), comment: 'e2e block web' }] }));
    await becomes(WEB, 'timeout', 'the deny rule to drop');
    expect(await outcome(OTHER)).toBe('connected');

    // Status counts the dropped SYNs on the counter of the group's lookup rule.
    const status = await op.waitForReady(KIND, 1, { accept: (s) => groupPackets(s.details, 0) > 0 });
    expect(status.details).toMatchObject({
      ruleCount: 1,
      groupCount: 1,
      groups: [{ action: 'deny', rules: 1, firstRule: 'block-web/rules[0]' }],
    });

    await op.delete(KIND, ['block-web']);
    await becomes(WEB, 'connected', 'the flow to come back');
  }, 90_000);

  it('first match wins: an allow for the client before a deny for its /24', async () => {
    const allowClient = tcpRule('allow', client(), [WEB]);
    const denySubnet = tcpRule('deny', t.privateSubnet, [`${WEB}-${OTHER}`]);

    await apply(policy('first-match', { rules: [allowClient, denySubnet] }));
    // OTHER is denied by this very policy: once it drops, the policy is in the kernel and WEB's answer means something.
    await becomes(OTHER, 'timeout', 'the /24 deny in force');
    expect(await outcome(WEB)).toBe('connected');

    // The same two rules the other way round: the deny matches first.
    await apply(policy('first-match', { rules: [denySubnet, allowClient] }));
    await becomes(WEB, 'timeout', 'the deny listed first to win');

    // Across resources by spec.order: allow (order 100) before deny (order 200) lets WEB through again.
    // subnet-deny is written first, so the listing that holds the new first-match also holds it.
    await apply(
      policy('subnet-deny', { order: 200, rules: [denySubnet] }),
      policy('first-match', { order: 100, rules: [allowClient] }),
    );
    await becomes(WEB, 'connected', 'the allow resource ordered first to win');
    expect(await outcome(OTHER)).toBe('timeout');

    // Reordering the resources, nothing else: the deny comes first again.
    await apply(policy('first-match', { order: 300, rules: [allowClient] }));
    await becomes(WEB, 'timeout', 'the deny resource ordered first to win');
    const status = await op.waitForReady(KIND, 4, { accept: (s) => s.name === 'subnet-deny,first-match' });
    expect(status.details).toMatchObject({ ruleCount: 2 });
  }, 120_000);

  it('an established stream keeps flowing while the ruleset is rebuilt and patched', async () => {
    // OTHER is the canary: denied from the start, so each edit below is known to be in force before the next.
    const allowWeb = tcpRule('allow', t.privateSubnet, [WEB]);
    const spec = (extra: Record<string, unknown>[], otherPorts: number[]): Record<string, unknown> => ({
      rules: [...extra, allowWeb, tcpRule('deny', client(), otherPorts)],
    });
    await apply(policy('steady', spec([], [OTHER])));
    await becomes(OTHER, 'timeout', 'the initial policy');

    const stream = await StreamWatcher.start(
      t,
      'client',
      `http://${t.serverIp}:${WEB}/stream?seconds=${STREAM_SECONDS}`,
    );
    const handles = [await tableHandle()];

    // 1. Element-only: one more port in the deny rule's set. The table (and its handle) stays.
    let mark = await stream.latest();
    await apply(policy('steady', spec([], [OTHER, 9999])));
    await waitFor(async () => (await tableListing()).includes('9999'), { timeoutMs: 30_000, what: 'the new element' });
    handles.push(await tableHandle());
    mark = await stream.moreThan(mark);

    // 2. Structural: a reject group before the rest rebuilds the table in one transaction.
    const rejectOthers = { action: 'reject', sourceCidrs: ['100.64.0.0/10'], protocol: 'any' };
    await apply(policy('steady', spec([rejectOthers], [OTHER, 9999])));
    await waitFor(async () => (await tableHandle()) !== handles[1], { timeoutMs: 30_000, what: 'the table rebuilt' });
    handles.push(await tableHandle());
    await stream.moreThan(mark);

    // 3. Structural, and it denies new connections of the stream's own flow: established ones still pass.
    await apply(policy('steady', spec([rejectOthers, tcpRule('deny', client(), [WEB])], [OTHER, 9999])));
    await becomes(WEB, 'timeout', 'new connections to WEB denied');
    handles.push(await tableHandle());
    const lastChange = Date.now();
    await stream.moreThan(await stream.latest());

    const summary = await stream.finished((STREAM_SECONDS + 15) * 1000);
    expect(handles[1]).toBe(handles[0]);
    expect(new Set(handles.slice(1)).size).toBe(3);
    expect(summary.error).toBeUndefined();
    expect(summary.ended).toBe(true);
    expect(summary.lines).toBe(STREAM_SECONDS * 10); // the echo server sends one line every 100 ms
    expect(summary.lastAt).toBeGreaterThan(lastChange);
    expect(summary.maxGapMs).toBeLessThan(2_000); // a stall would show as a long silence
  }, 120_000);
});
