import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCsgw } from '../testing/cli-harness.js';
import type { ControllerStatus, StatusEvent } from '../runtime/status-types.js';
import {
  createTopology,
  ensureImages,
  httpGet,
  httpsGet,
  Operator,
  operatorCommand,
  receivedRequests,
  startTlsServers,
  StreamWatcher,
  waitFor,
  type Manifest,
  type Topology,
} from './harness/index.js';

/**
 * IntrusionPrevention with real packets: client → gateway (firewall accept, then NFQUEUE to Suricata, then SourceNat)
 * → server. The server logs every request it receives, so "blocked" means the gateway dropped it, not that the
 * server refused it; its TLS server has a certificate from a test CA for the names the domain filters use.
 */
const KIND = 'IntrusionPrevention';
const DROP_SID = 1000001;
const DROP_BLOCKED = `drop http any any -> any any (msg:"e2e blocked path"; flow:to_server,established; http.uri; content:"/blocked"; startswith; sid:${DROP_SID}; rev:1;)`;

interface IpsDetails {
  mechanism?: string;
  mode?: string;
  phase?: string;
  queues?: { first: number; count: number; bound: number[]; rulesInstalled: boolean };
  rules?: { configured: number; loaded?: number; failed?: number; lastError?: string };
  counters?: Record<string, number>;
  running?: { pid?: number; generation?: number };
  crashes?: { recent: number; lastExit?: string };
  lastValidationError?: string;
}

let t: Topology;
let op: Operator;
let generation = 0;

const details = (s: ControllerStatus | undefined): IpsDetails => s?.details ?? {};

/** Applies the IPS spec (a new generation) and waits until Suricata serves it with every queue bound. */
async function applyIps(spec: Record<string, unknown>, extra: Manifest[] = []): Promise<ControllerStatus> {
  await op.apply(...extra, { kind: KIND, name: 'default', spec: { queues: 2, ...spec } });
  generation += 1;
  return op.waitForReady(KIND, generation, {
    timeoutMs: 60_000,
    accept: (s) => details(s).queues?.bound.length === 2 && details(s).queues?.rulesInstalled === true,
  });
}

async function events(): Promise<StatusEvent[]> {
  const run = await runCsgw(['events', '--admin-url', op.adminUrl, '-o', 'json'], { env: {} });
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StatusEvent);
}

async function counter(name: string): Promise<number> {
  return details(await op.controller(KIND)).counters?.[name] ?? 0;
}

async function metrics(): Promise<string> {
  return (await fetch(`${op.adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('ips', { gatewayCommand: operatorCommand() });
  op = await Operator.connect(t);
  await startTlsServers(t);
  await op.apply({ kind: 'SourceNat', name: 'default', spec: { enable: true } });
  await waitFor(() => httpGet(t, '/before'), { timeoutMs: 30_000, what: 'SourceNat forwarding' });
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('IntrusionPrevention in a gateway container', () => {
  it('prevent: a local drop rule stops the request before the server; status, events and metrics say so', async () => {
    const status = await applyIps({ mode: 'prevent', rules: [DROP_BLOCKED] });
    expect(details(status)).toMatchObject({ mechanism: 'xt-nfqueue', mode: 'prevent', phase: 'running' });
    expect(details(status).rules?.loaded).toBeGreaterThanOrEqual(1);

    expect(await httpGet(t, '/open-1')).toBe(true);
    expect(await httpGet(t, '/blocked-1')).toBe(false);
    const received = await receivedRequests(t);
    expect(received.some((r) => r.endsWith('/open-1'))).toBe(true);
    expect(received.some((r) => r.includes('/blocked-1'))).toBe(false);

    await waitFor(async () => (await counter(`drops.sid.${DROP_SID}`)) >= 1, {
      timeoutMs: 20_000,
      what: 'drop counter',
    });
    const event = await waitFor(
      async () =>
        (await events()).find((e) => e.reason === 'IntrusionPrevented' && e.message.includes(`sid ${DROP_SID}`)),
      { timeoutMs: 20_000, what: 'an IntrusionPrevented event' },
    );
    expect(event).toMatchObject({ type: 'Warning', object: { kind: KIND, name: 'default' } });
    expect(event.message).not.toContain('/blocked-1');
    expect(await metrics()).toMatch(
      new RegExp(`csgw_controller_counter\\{controller="${KIND}",counter="drops.sid.${DROP_SID}"\\} [1-9]`),
    );
  }, 120_000);

  it('detect: the same request passes, and an alert event and metric appear', async () => {
    const pid = details(await op.controller(KIND)).running?.pid;
    await applyIps({ mode: 'detect', rules: [DROP_BLOCKED] });
    // Only the actions changed (drop rendered as alert): a rule reload, not a restart.
    expect(details(await op.controller(KIND)).running?.pid).toBe(pid);

    expect(await httpGet(t, '/blocked-2')).toBe(true);
    expect((await receivedRequests(t)).some((r) => r.endsWith('/blocked-2'))).toBe(true);
    await waitFor(async () => (await counter(`alerts.sid.${DROP_SID}`)) >= 1, {
      timeoutMs: 20_000,
      what: 'alert counter',
    });
    await waitFor(async () => (await events()).find((e) => e.reason === 'IntrusionDetected'), {
      timeoutMs: 20_000,
      what: 'an IntrusionDetected event',
    });
  }, 120_000);

  it('a deny list drops a denied SNI and a denied Host header, without the proxy', async () => {
    const deny: Manifest = {
      kind: 'DomainFilter',
      name: 'e2e-deny',
      spec: { mode: 'deny', domains: ['denied.example'] },
    };
    await applyIps({ domainFilters: ['e2e-deny'] }, [deny]);

    expect(await httpsGet(t, 'allowed.example')).toBe(true);
    expect(await httpsGet(t, 'denied.example')).toBe(false);
    expect(await httpGet(t, '/host-ok', 'allowed.example')).toBe(true);
    expect(await httpGet(t, '/host-denied', 'denied.example')).toBe(false);
    expect(await httpGet(t, '/host-denied-rooted', 'denied.example.')).toBe(false);
    const received = await receivedRequests(t);
    expect(received.some((r) => r.startsWith('https denied.example'))).toBe(false);
    expect(received.some((r) => r.includes('/host-denied'))).toBe(false);

    const explained = await op.csgw([
      ...['explain', '--src', t.clientIp, '--dst', t.serverIp, '--dport', '8443'],
      ...['--sni', 'denied.example'],
    ]);
    expect(explained).toMatch(/drop by DomainFilter e2e-deny denied\.example \(sid \d+\)/);
  }, 120_000);

  it('an allow list drops names it does not list', async () => {
    const allow: Manifest = {
      kind: 'DomainFilter',
      name: 'e2e-allow',
      spec: { mode: 'allow', domains: ['.allowed.example'] },
    };
    await applyIps({ domainFilters: ['e2e-allow'] }, [allow]);

    expect(await httpsGet(t, 'allowed.example')).toBe(true);
    expect(await httpsGet(t, 'www.allowed.example')).toBe(true);
    expect(await httpsGet(t, 'other.example')).toBe(false);
    expect(await httpGet(t, '/listed', 'www.allowed.example')).toBe(true);
    expect(await httpGet(t, '/unlisted', 'other.example')).toBe(false);
  }, 120_000);

  it('a rule reload during a long download does not cut it', async () => {
    await applyIps({ rules: [DROP_BLOCKED] });
    const pid = details(await op.controller(KIND)).running?.pid;
    const stream = await StreamWatcher.start(t, 'client', `http://${t.serverIp}:${t.serverPort}/stream?seconds=12`);
    const extra =
      'drop http any any -> any any (msg:"e2e second rule"; http.uri; content:"/second"; sid:1000002; rev:1;)';
    await applyIps({ rules: [DROP_BLOCKED, extra] });
    expect(details(await op.controller(KIND)).running?.pid).toBe(pid);
    expect(await httpGet(t, '/second')).toBe(false);

    const summary = await stream.finished(30_000);
    expect(summary).toMatchObject({ ended: true });
    expect(summary.error).toBeUndefined();
    expect(summary.maxGapMs).toBeLessThan(2_000);
  }, 120_000);

  it('flow bypass: past afterBytes a download leaves the queue and the kernel passes the rest', async () => {
    await applyIps({ rules: [DROP_BLOCKED], bypass: { afterBytes: 65536 } });
    const download = await t.exec('client', [
      ...['curl', '-sS', '-o', '/dev/null', '--max-time', '20', '-w', '%{size_download}'],
      `http://${t.serverIp}:${t.serverPort}/bytes?size=20000000`,
    ]);
    expect(download.stdout).toBe('20000000');
    // The connmark rule in front of the queue counts the packets of flows Suricata let go (veth's offloads make
    // them large: 20 MB is a few hundred packets).
    const saved = await t.exec('gateway', ['iptables-nft-save', '-c', '-t', 'security']);
    const skipped = /\[(\d+):\d+\] -A CSGW-IPS -m connmark --mark 0x20000000\/0x20000000/.exec(saved.stdout);
    expect(Number(skipped?.[1] ?? 0)).toBeGreaterThan(100);
    expect(await httpGet(t, '/blocked-bypass')).toBe(false);
  }, 120_000);

  it('bad rules and injection attempts are refused with a reason; the running rules keep working', async () => {
    await applyIps({ rules: [DROP_BLOCKED] });
    const injected = `${DROP_BLOCKED.replace(`sid:${DROP_SID}`, 'sid:1000003')}\npass ip any any -> any any (msg:"x"; sid:1000004;)`;
    await expect(op.apply({ kind: KIND, name: 'default', spec: { rules: [injected] } })).rejects.toThrow(
      /spec.rules\[0\]/,
    );

    // Straight to SSM, as the AWS CLI would: the operator refuses the generation and keeps the last good one.
    await op.put({ kind: KIND, name: 'default', spec: { queues: 2, rules: [injected] } });
    generation += 1;
    await waitFor(
      async () =>
        (await op.controller(KIND))?.conditions.find(
          (c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'InvalidSpec',
        ),
      { timeoutMs: 20_000, what: 'Degraded InvalidSpec' },
    );
    expect(await httpGet(t, '/blocked-3')).toBe(false);

    // Valid to csgw, refused by Suricata itself (`suricata -T`): the reason is Suricata's own message.
    const unknownKeyword = `alert http any any -> any any (msg:"x"; http.uri; content:"a"; no_such_keyword; sid:1000005;)`;
    await op.put({ kind: KIND, name: 'default', spec: { queues: 2, rules: [DROP_BLOCKED, unknownKeyword] } });
    generation += 1;
    await waitFor(
      async () =>
        (await op.controller(KIND))?.conditions.find(
          (c) => c.reason === 'ConfigRejected' && c.message.includes("unknown rule keyword 'no_such_keyword'"),
        ),
      { timeoutMs: 30_000, what: "Suricata's refusal in status" },
    );
    expect(await httpGet(t, '/blocked-4')).toBe(false);
    expect(await httpGet(t, '/open-4')).toBe(true);
  }, 120_000);
});

describe('Suricata killed', () => {
  /**
   * Pings the server every 100 ms from the client for `seconds` while `during` runs: the echoes lost. ICMP is
   * forwarded traffic like any other, so it is queued to Suricata; a ping, unlike a TCP connect, is not retried.
   */
  async function pingsLostWhile(seconds: number, during: () => Promise<void>): Promise<number> {
    const file = `/tmp/ping-${Date.now()}`;
    const count = String(seconds * 10);
    const run = 'nohup ping -n -i 0.1 -W 1 -c "$1" "$2" >"$3" 2>&1 &';
    await t.exec('client', ['sh', '-c', run, 'sh', count, t.serverIp, file]);
    await during();
    const summary = await waitFor(
      async () =>
        /(\d+) packets transmitted, (\d+) received/.exec((await t.exec('client', ['cat', file])).stdout) ?? undefined,
      { timeoutMs: (seconds + 5) * 1000, what: 'the ping summary' },
    );
    return Number(summary[1]) - Number(summary[2]);
  }

  /** Kills Suricata, waits for the kit to restart it, and kills it again: the second restart waits out a back-off. */
  async function killTwice(): Promise<number> {
    const first = details(await op.controller(KIND)).running?.pid;
    await t.exec('gateway', ['kill', '-KILL', String(first)]);
    const restarted = await waitFor(
      async () => {
        const pid = details(await op.controller(KIND)).running?.pid;
        return pid && pid !== first ? pid : undefined;
      },
      { timeoutMs: 20_000, what: 'Suricata restarted' },
    );
    await t.exec('gateway', ['kill', '-KILL', String(restarted)]);
    return restarted;
  }

  it.each([
    ['failOpen', 'keeps flowing, uninspected'],
    ['failClosed', 'stops until Suricata is back'],
  ])(
    '%s: traffic %s; Suricata is restarted and status says so',
    async (failureMode) => {
      await applyIps({ failureMode, rules: [DROP_BLOCKED] });
      let second = 0;
      const lost = await pingsLostWhile(6, async () => {
        await new Promise((r) => setTimeout(r, 500));
        second = await killTwice();
      });
      // Echoes queued at the moment of a kill die with the queue's reader (at most a couple per kill); with
      // failClosed everything sent until the restart after the back-off (1 s and more) is dropped.
      if (failureMode === 'failOpen') expect(lost).toBeLessThanOrEqual(4);
      else expect(lost).toBeGreaterThanOrEqual(8);

      const back = await op.waitForReady(KIND, generation, {
        timeoutMs: 30_000,
        accept: (s) => details(s).running?.pid !== second && details(s).queues?.bound.length === 2,
      });
      expect(details(back).crashes?.recent).toBeGreaterThanOrEqual(2);
      expect(details(back).crashes?.lastExit).toMatch(/SIGKILL/);
      expect(await httpGet(t, '/blocked-after-kill')).toBe(false);
      expect(await httpGet(t, '/open-after-kill')).toBe(true);
    },
    120_000,
  );
});
