import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Condition, ControllerStatus } from '../runtime/status-types.js';
import {
  createTopology,
  curlViaProxy,
  ensureImages,
  gatewayProxy,
  killSquid,
  loggedUrlIs,
  Operator,
  operatorCommand,
  ProxyDownload,
  readAccessLog,
  runningSquidPid,
  waitFor,
  waitForSquidRestart,
  type Manifest,
  type ProxyCurlOptions,
  type ProxyCurlResult,
  type Topology,
} from './harness/index.js';

/**
 * ForwardProxy: squid in the gateway container, configured by the operator. The client (private side) uses the proxy
 * on the gateway's private address; squid reaches the server's echo server by the names in HOSTS (written to the
 * gateway's /etc/hosts), on its main port (plain HTTP) and on 443 (plain HTTP as well, reached through CONNECT, so
 * squid sees what it sees for an HTTPS site).
 */
const KIND = 'ForwardProxy';
const PROXY_PORT = 3128;
const TUNNEL_PORT = 443;

// Fixtures: `openssl passwd -apr1 -salt csgwE2E1 proxy-pass-e2e`.
const USER = 'alice';
const PASSWORD = 'proxy-pass-e2e';
const HASH = '$apr1$csgwE2E1$Ad.vVcEHT5XUR2GaSvdb30';
const HTPASSWD = `${USER}:${HASH}\n`;
const MALFORMED_HTPASSWD = 'alice-without-a-hash\n';
// `openssl passwd -apr1 -salt csgwE2E2 bob-pass-e2e`: the user that replaces alice.
const BOB: [string, string] = ['bob', 'bob-pass-e2e'];
const BOB_HTPASSWD = `bob:$apr1$csgwE2E2$e5076YGn.p2zk8CeNOTVx.\n`;

const BLOCKED = ['blocked.example', '.bad.example'];
/** Not a domain name, yet within the schema's character set: only the operator's validation rejects it. */
const NOT_A_DOMAIN = '-not-a-domain-.example';
const BANDWIDTH_KBPS = 8000;
const DOWNLOAD_BYTES = 4 * 1024 * 1024;

const HOSTS: Record<string, string> = Object.fromEntries(
  ['allowed.example', 'blocked.example', 'bad.example', 'x.bad.example', 'notbad.example', 'late.example'].map((h) => [
    h,
    'server',
  ]),
);

/** What the ForwardProxy controller reports in status.details. */
interface ProxyDetails {
  listening?: string;
  running?: { generation?: number; hash?: string; pid?: number };
  counters?: { requests?: number; cacheHits?: number; denied?: number };
  lastValidationError?: string;
}

let t: Topology;
let op: Operator;

function secret(htpasswd = HTPASSWD): Manifest {
  return { kind: 'Secret', name: 'proxy-users', spec: { data: { htpasswd } } };
}

function blocklist(domains = BLOCKED): Manifest {
  return { kind: 'DomainFilter', name: 'blocklist', spec: { mode: 'deny', domains } };
}

function proxySpec(): Record<string, unknown> {
  return {
    enable: true,
    port: PROXY_PORT,
    allowedClientCidrs: [t.privateSubnet],
    authentication: { type: 'basic', realm: 'csgw-e2e', secretRef: { name: 'proxy-users', key: 'htpasswd' } },
    cache: { enabled: true, memoryMb: 64, diskMb: 0, maxObjectSizeKb: 8192 },
    bandwidth: { perClientKbps: BANDWIDTH_KBPS },
    connectPorts: [TUNNEL_PORT],
    safePorts: [80, '1025-65535'],
    domainFilters: ['blocklist'],
  };
}

function forwardProxy(spec = proxySpec()): Manifest {
  return { kind: KIND, name: 'default', spec };
}

function details(status: ControllerStatus | undefined): ProxyDetails {
  return status?.details ?? {};
}

function condition(status: ControllerStatus | undefined, type: string): Condition | undefined {
  return status?.conditions.find((c) => c.type === type);
}

function is(status: ControllerStatus | undefined, type: string, value: 'True' | 'False'): boolean {
  return condition(status, type)?.status === value;
}

/** Ready=True, Progressing=False and `accept`, whatever the generation (the proxy also follows Secret and DomainFilter). */
async function settled(
  what: string,
  accept: (d: ProxyDetails, s: ControllerStatus) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<ControllerStatus> {
  return waitFor(
    async () => {
      const s = await op.controller(KIND);
      if (s && is(s, 'Ready', 'True') && is(s, 'Progressing', 'False') && accept(details(s), s)) return s;
      throw new Error(`last status ${JSON.stringify(s)}`); // a timeout then shows it
    },
    { timeoutMs, what },
  );
}

/** Waits for Degraded=True with reason InvalidSpec (the spec was refused, the running config kept). */
async function invalidSpec(what: string): Promise<Condition> {
  const s = await waitFor(
    async () => {
      const s = await op.controller(KIND);
      const degraded = condition(s, 'Degraded');
      if (degraded?.status === 'True' && degraded.reason === 'InvalidSpec') return s;
      throw new Error(`last status ${JSON.stringify(s)}`);
    },
    { timeoutMs: 30_000, what },
  );
  return condition(s, 'Degraded') as Condition;
}

function proxy(credentials: [string, string] | null = [USER, PASSWORD]): ReturnType<typeof gatewayProxy> {
  return gatewayProxy(t, PROXY_PORT, credentials ?? undefined);
}

/** Plain HTTP GET through the proxy to `host` on the echo server's main port. */
function get(host: string, path = '/', opts: ProxyCurlOptions & { auth?: [string, string] | null } = {}) {
  return curlViaProxy(t, proxy(opts.auth), `http://${host}:${t.serverPort}${path}`, opts);
}

/** CONNECT host:443 through the proxy, then GET `path` inside the tunnel. */
function tunnel(host: string, path = '/', auth?: [string, string] | null): Promise<ProxyCurlResult> {
  return curlViaProxy(t, proxy(auth), `http://${host}:${TUNNEL_PORT}${path}`, { tunnel: true });
}

async function answers(host = 'allowed.example', maxTimeSec = 2): Promise<boolean> {
  return (await get(host, '/', { maxTimeSec })).httpCode === 200;
}

function echoed(result: ProxyCurlResult): { remoteAddress: string; localPort: number } {
  return JSON.parse(result.body) as { remoteAddress: string; localPort: number };
}

/** Polls `host` until the proxy answers it with `code` (a rule change shows in traffic). */
async function httpCodeBecomes(host: string, code: number, what: string): Promise<void> {
  await waitFor(async () => (await get(host)).httpCode === code, { timeoutMs: 30_000, what });
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('forward-proxy', {
    gatewayCommand: operatorCommand(),
    serverExtraPorts: [TUNNEL_PORT],
    gatewayHosts: HOSTS,
  });
  op = await Operator.connect(t);
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('ForwardProxy in a gateway container', () => {
  it('a client reaches the public server through the proxy, seen from the gateway public address', async () => {
    await op.apply(secret(), blocklist(), forwardProxy());
    const ready = await op.waitForReady(KIND, 1, {
      accept: (s) => details(s).running?.pid !== undefined,
      timeoutMs: 60_000,
    });
    expect(ready.name).toBe('default');
    expect(details(ready).listening).toBe(`0.0.0.0:${PROXY_PORT}`);
    expect(details(ready).running).toMatchObject({ hash: expect.any(String), pid: await runningSquidPid(t) });
    expect(is(ready, 'CrashLoop', 'False')).toBe(true);

    const reply = await waitFor(
      async () => {
        const r = await get('allowed.example');
        return r.httpCode === 200 && r;
      },
      { timeoutMs: 30_000, what: 'a reply through the proxy' },
    );
    expect(echoed(reply)).toMatchObject({ remoteAddress: t.gatewayPublicIp, localPort: t.serverPort });
    await settled('the request counted', (d) => (d.counters?.requests ?? 0) > 0);
    const metrics = await (await fetch(`${op.adminUrl}/metrics`)).text();
    const requests = /csgw_controller_counter\{controller="ForwardProxy",counter="requests"\} (\d+)/.exec(metrics);
    expect(Number(requests?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/csgw_controller_counter\{controller="ForwardProxy",counter="hitRatio"\} /);
  }, 120_000);

  it('answers 407 without credentials and with wrong ones', async () => {
    const url = `http://allowed.example:${t.serverPort}/`;
    expect((await get('allowed.example', '/', { auth: null })).httpCode).toBe(407);
    expect((await get('allowed.example', '/', { auth: [USER, 'not-the-password'] })).httpCode).toBe(407);
    expect((await get('allowed.example', '/', { auth: ['mallory', PASSWORD] })).httpCode).toBe(407);
    expect((await tunnel('allowed.example', '/', null)).proxyCode).toBe(407);
    // The challenge names the configured realm.
    const headers = await t.exec('client', [
      ...['curl', '-sS', '-o', '/dev/null', '-D', '-', '--max-time', '5'],
      ...['--proxy', `http://${t.gatewayPrivateIp}:${PROXY_PORT}`, url],
    ]);
    expect(headers.stdout).toMatch(/^Proxy-Authenticate: Basic realm="csgw-e2e"/im);
    const log = await waitFor(
      async () => {
        const entries = await readAccessLog(t);
        return entries.some((e) => e.status === 407) && entries;
      },
      { timeoutMs: 10_000, what: '407 in the access log' },
    );
    expect(log.find((e) => e.status === 407)?.action).toBe('TCP_DENIED');
  }, 60_000);

  it('a denied domain gets 403 over plain HTTP and CONNECT; allowed names pass', async () => {
    for (const host of ['blocked.example', 'bad.example', 'x.bad.example']) {
      expect({ host, code: (await get(host)).httpCode }).toEqual({ host, code: 403 });
      const tunnelled = await tunnel(host);
      expect({ host, proxyCode: tunnelled.proxyCode }).toEqual({ host, proxyCode: 403 });
      expect(tunnelled.exitCode).not.toBe(0); // curl: CONNECT tunnel failed
    }
    for (const host of ['allowed.example', 'notbad.example']) {
      expect({ host, code: (await get(host)).httpCode }).toEqual({ host, code: 200 });
    }
    const tunnelled = await tunnel('allowed.example');
    expect(tunnelled).toMatchObject({ proxyCode: 200, httpCode: 200, exitCode: 0 });
    expect(echoed(tunnelled)).toMatchObject({ remoteAddress: t.gatewayPublicIp, localPort: TUNNEL_PORT });
    await settled('denials counted', (d) => (d.counters?.denied ?? 0) > 0);
  }, 60_000);

  it('a repeated cacheable GET is a cache hit', async () => {
    const path = `/cacheable?id=${t.runId}`;
    const url = `http://allowed.example:${t.serverPort}${path}`;
    const first = await get('allowed.example', path);
    expect(first.httpCode).toBe(200);
    const hit = await waitFor(
      async () => {
        const again = await get('allowed.example', path);
        const entries = await readAccessLog(t);
        const found = entries.find((e) => loggedUrlIs(e.url, url) && /^TCP_(MEM_)?HIT$/.test(e.action));
        return found && { again, found };
      },
      { timeoutMs: 20_000, what: `TCP_HIT or TCP_MEM_HIT for ${url} in the access log` },
    );
    // The echo server stamps every body it serves: the same body again came from squid's cache.
    expect(hit.again.body).toBe(first.body);
    expect(hit.found.status).toBe(200);
    await settled('the hit counted', (d) => (d.counters?.cacheHits ?? 0) > 0);
  }, 60_000);

  it('perClientKbps caps a download well below the unlimited rate', async () => {
    const download = (tag: string): Promise<ProxyCurlResult> =>
      get('allowed.example', `/bytes?size=${DOWNLOAD_BYTES}&n=${tag}-${Date.now()}`, {
        keepBody: false,
        maxTimeSec: 60,
      });
    const limitedHash = details(await op.controller(KIND)).running?.hash;
    const { bandwidth: _limit, ...unlimitedSpec } = proxySpec();
    await op.apply(forwardProxy(unlimitedSpec));
    const unlimitedHash = details(await settled('the limit lifted', (d) => d.running?.hash !== limitedHash)).running
      ?.hash;
    const unlimited = await download('unlimited');
    await op.apply(forwardProxy());
    await settled('the limit back', (d) => d.running?.hash !== unlimitedHash);
    const limited = await download('limited');

    expect([unlimited, limited].map((r) => [r.exitCode, r.httpCode, r.bytes])).toEqual([
      [0, 200, DOWNLOAD_BYTES],
      [0, 200, DOWNLOAD_BYTES],
    ]);
    const configured = (BANDWIDTH_KBPS * 1000) / 8; // bytes per second
    // The initial burst of squid's delay pool lets the average exceed the rate a little; never twice.
    expect(limited.bytesPerSecond).toBeGreaterThan(configured * 0.5);
    expect(limited.bytesPerSecond).toBeLessThan(configured * 2);
    expect(unlimited.bytesPerSecond / limited.bytesPerSecond).toBeGreaterThan(5);
  }, 180_000);

  it('a filter change reconfigures squid without dropping an in-flight download, and the new rule applies', async () => {
    const before = details(await settled('the proxy settled'));
    expect(await answers('late.example')).toBe(true);
    const size = 2_000_000; // 10 s at 200 kB/s: well under the per-client limit
    const url = `http://allowed.example:${t.serverPort}/slow-bytes?size=${size}&seconds=10`;
    const download = await ProxyDownload.start(t, proxy(), url, { maxTimeSec: 60 });
    await download.receivedMoreThan(0);

    await op.apply(blocklist([...BLOCKED, 'late.example']));
    const after = details(await settled('the reconfigure', (d) => d.running?.hash !== before.running?.hash));
    const duringChange = await download.received();
    await httpCodeBecomes('late.example', 403, 'late.example denied');

    expect(duringChange).toBeLessThan(size); // the change happened while the download ran
    await download.receivedMoreThan(duringChange);
    const done = await download.finished(60_000);
    expect(done).toMatchObject({ exitCode: 0, httpCode: 200, bytes: size });
    // A reconfigure, not a restart: the same squid process serves on.
    expect(after.running?.pid).toBe(before.running?.pid);
    expect(await runningSquidPid(t)).toBe(before.running?.pid);
    expect(await answers()).toBe(true);
  }, 120_000);

  it('an invalid DomainFilter is refused and the running configuration keeps serving', async () => {
    const before = details(await settled('the proxy settled'));
    // Straight to SSM: csgw apply would refuse it before it reaches the operator.
    await op.put(blocklist([...BLOCKED, 'late.example', NOT_A_DOMAIN]));
    const degraded = await invalidSpec('Degraded InvalidSpec for the DomainFilter');
    expect(degraded.message).toContain('blocklist');

    const now = await op.controller(KIND);
    expect(is(now, 'Ready', 'True')).toBe(true);
    expect(details(now).running).toMatchObject({ hash: before.running?.hash, pid: before.running?.pid });
    expect(await runningSquidPid(t)).toBe(before.running?.pid);
    expect((await get('blocked.example')).httpCode).toBe(403);
    expect((await get('late.example')).httpCode).toBe(403);
    expect(await answers()).toBe(true);

    await op.apply(blocklist([...BLOCKED, 'late.example']));
    await settled('Degraded cleared', (_d, s) => !is(s, 'Degraded', 'True'));
  }, 90_000);

  it('a malformed htpasswd Secret is refused and the old users keep working', async () => {
    const before = details(await settled('the proxy settled'));
    await op.put(secret(MALFORMED_HTPASSWD));
    const degraded = await invalidSpec('Degraded InvalidSpec for the Secret');
    expect(degraded.message).toContain('proxy-users');
    // Never the secret's content in status.
    const status = JSON.stringify(await op.controller(KIND));
    expect(status).not.toContain(MALFORMED_HTPASSWD.trim());
    expect(status).not.toContain(HASH);

    expect(details(await op.controller(KIND)).running).toMatchObject({
      hash: before.running?.hash,
      pid: before.running?.pid,
    });
    expect(await answers()).toBe(true);
    expect((await get('allowed.example', '/', { auth: [USER, 'not-the-password'] })).httpCode).toBe(407);

    await op.apply(secret());
    await settled('Degraded cleared', (_d, s) => !is(s, 'Degraded', 'True'));
    expect(await answers()).toBe(true);
  }, 90_000);

  it('kill -9 of squid: answering again within 2 s, and one crash is not a crash loop', async () => {
    const killed = await killSquid(t);
    const killedAt = Date.now();
    await waitFor(() => answers('allowed.example', 1), { timeoutMs: 10_000, intervalMs: 50, what: 'squid back' });
    const backAfterMs = Date.now() - killedAt;
    expect(backAfterMs).toBeLessThanOrEqual(2_000);

    const pid = await waitForSquidRestart(t, killed, { timeoutMs: 5_000 });
    const status = await settled('status of the restarted squid', (d) => d.running?.pid === pid);
    expect(is(status, 'CrashLoop', 'False')).toBe(true);
  }, 60_000);

  it('crashes in quick succession raise CrashLoop, and squid serves again after the back-off', async () => {
    const killed: number[] = [];
    for (let round = 0; round < 20 && killed.length < 10; round += 1) {
      if (is(await op.controller(KIND), 'CrashLoop', 'True')) break;
      await waitFor(() => runningSquidPid(t), { timeoutMs: 30_000, intervalMs: 100, what: 'a squid to kill' });
      // undefined: it died or was replaced between the two looks; the next round kills the new one.
      const pid = await killSquid(t).catch(() => undefined);
      if (pid !== undefined) killed.push(pid);
    }
    const looping = await waitFor(
      async () => {
        const s = await op.controller(KIND);
        return is(s, 'CrashLoop', 'True') && s;
      },
      { timeoutMs: 30_000, what: 'CrashLoop True' },
    );
    expect(killed.length).toBeGreaterThan(1);
    expect(condition(looping, 'CrashLoop')?.reason).toEqual(expect.any(String));

    // The back-off ends and squid serves again; CrashLoop clears once the crashes age out of the window (60 s),
    // which the supervisor's unit tests cover without the wait.
    await waitFor(() => answers(), { timeoutMs: 60_000, what: 'the proxy answering after the crash loop' });
    const pid = await runningSquidPid(t);
    await settled('status of the squid that survived', (d) => d.running?.pid === pid);
  }, 180_000);

  it('listenAddress: squid listens on that address only and its health probe still reaches it', async () => {
    await op.apply(forwardProxy({ ...proxySpec(), listenAddress: t.gatewayPrivateIp }));
    const only = await settled(
      'listening on the private address',
      (d) => d.listening === `${t.gatewayPrivateIp}:${PROXY_PORT}`,
    );
    expect(is(only, 'Ready', 'True')).toBe(true);
    expect(await answers()).toBe(true);
    const listeners = await t.exec('gateway', ['ss', '-Hltn', `sport = :${PROXY_PORT}`]);
    expect(listeners.stdout).toContain(`${t.gatewayPrivateIp}:${PROXY_PORT}`);
    expect(listeners.stdout).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):3128/);
    await op.apply(forwardProxy());
    await settled('listening everywhere again', (d) => d.listening === `0.0.0.0:${PROXY_PORT}`);
  }, 90_000);

  it('enable: false stops squid and removes its config; enabling again serves again', async () => {
    await op.apply(forwardProxy({ ...proxySpec(), enable: false }));
    await waitFor(async () => (await runningSquidPid(t)) === undefined, { timeoutMs: 30_000, what: 'squid stopped' });
    const stopped = await settled('the disabled proxy settled', (d, st) => d.running === undefined && !!st);
    expect(details(stopped)).toMatchObject({ enabled: false, phase: 'stopped' });
    const listing = await t.exec('gateway', ['ls', '/var/lib/csgw/squid/config']);
    expect(listing.stdout.trim()).toBe('');
    expect(await answers('allowed.example', 1)).toBe(false);

    await op.apply(forwardProxy());
    await settled('serving again', (d) => d.running?.pid !== undefined);
    expect(await answers()).toBe(true);
  }, 90_000);

  it('a user removed from the Secret is refused within a minute, without a restart', async () => {
    const before = details(await settled('the proxy settled', (d) => d.running?.pid !== undefined));
    expect(await answers()).toBe(true); // alice's credentials are now verified and cached by squid
    await op.apply(secret(BOB_HTPASSWD));
    await settled('the new users loaded', (d) => d.running?.hash !== before.running?.hash);
    expect((await get('allowed.example', '/', { auth: BOB })).httpCode).toBe(200);
    // squid re-checks cached credentials once credentialsttl (1 minute) has passed since they were verified.
    await waitFor(async () => (await get('allowed.example')).httpCode === 407, {
      timeoutMs: 90_000,
      intervalMs: 2_000,
      what: 'alice refused',
    });
    expect(details(await op.controller(KIND)).running?.pid).toBe(before.running?.pid);
    await op.apply(secret());
  }, 150_000);
});
