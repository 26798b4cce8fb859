import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ControllerStatus } from '../runtime/status-types.js';
import { runCsgw } from '../testing/cli-harness.js';
import {
  connectOutcome,
  createTopology,
  curlEcho,
  ensureImages,
  Operator,
  startEchoServer,
  waitFor,
  type Topology,
} from './harness/index.js';

/**
 * The data plane fails safe when its config source goes wrong. The gateway serves two SSM stores (A on :4566, B on
 * :4567, empty) and runs the operator in a restart loop, as the appliance's unit does, against the store whose port
 * /run/ssm-port names: switching that file and restarting the operator points it at another store, as a wrong
 * --endpoint-url, prefix or region would.
 */
const MAIN = '/app/dist/cli/main.js';
const POLL_SECONDS = 1;
const REQUEST_TIMEOUT_SECONDS = 2;
const STALE_AFTER_MS = (3 * POLL_SECONDS + REQUEST_TIMEOUT_SECONDS) * 1000;
const ENTRYPOINT = [
  'sh',
  '-c',
  [
    'echo 4566 > /run/ssm-port',
    `node ${MAIN} --data-dir /ssm-a ssm serve --listen 0.0.0.0:4566 &`,
    `node ${MAIN} --data-dir /ssm-b ssm serve --listen 0.0.0.0:4567 &`,
    // The operator's arguments arrive as "$@": nothing from the test is interpolated into the script.
    `while :; do node ${MAIN} --endpoint-url "http://127.0.0.1:$(cat /run/ssm-port)" "$@"; sleep 0.5; done`,
  ].join('\n'),
  'loop',
];
const OPERATOR_ARGS = [
  ...['--gateway', 'e2e', '--request-timeout', String(REQUEST_TIMEOUT_SECONDS), 'run', '--imds', 'off'],
  ...['--instance-id', 'gw-1', '--admin-listen', '0.0.0.0:9464', '--poll-interval', String(POLL_SECONDS)],
  // Change events flow from each store's csgw-changes queue: the same full-list interval with push as without keeps
  // one stale bound (staleness follows the interval in force, 60 s by default with push).
  ...['--push-resync-interval', String(POLL_SECONDS)],
  ...['--resync-interval', '2', '--status-interval', '1'],
];
const LISTEN_PORT = 8443;
const TARGET_PORT = 9000;

let t: Topology;
let op: Operator;

const forward = (): { kind: string; name: string; spec: Record<string, unknown> } => ({
  kind: 'PortForward',
  name: 'web',
  spec: {
    rules: [{ listenPort: LISTEN_PORT, protocol: 'tcp', destinationIp: t.clientIp, destinationPort: TARGET_PORT }],
  },
});
const firewall = { kind: 'FirewallPolicy', name: 'base', spec: { defaultAction: 'allow', rules: [quarantine()] } };

function quarantine(): Record<string, unknown> {
  return { action: 'reject', sourceCidrs: ['192.0.2.0/24'], comment: 'documentation range' };
}

async function forwardAnswers(): Promise<boolean> {
  const out = await curlEcho(t, { host: t.gatewayPublicIp, port: LISTEN_PORT }, '/', { from: 'server', maxTimeSec: 3 });
  return connectOutcome(out) === 'connected';
}

async function tableExists(name: string): Promise<boolean> {
  return (await t.exec('gateway', ['nft', 'list', 'table', 'inet', name])).exitCode === 0;
}

async function degraded(kind: string): Promise<string | undefined> {
  const status: ControllerStatus | undefined = await op.controller(kind).catch(() => undefined);
  return status?.conditions.find((c) => c.type === 'Degraded')?.reason;
}

async function restartOperatorOn(port: number): Promise<void> {
  await t.exec('gateway', ['sh', '-c', `echo ${port} > /run/ssm-port`]);
  // The operator's own command line: the loop's script holds the same words, but quoted ("http…).
  await t.exec('gateway', ['pkill', '-TERM', '-f', `${MAIN} --endpoint-url http://`]);
}

async function readyz(): Promise<number> {
  return (await fetch(`${op.adminUrl}/readyz`, { signal: AbortSignal.timeout(3_000) })).status;
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('fail-safe', {
    gatewayEntrypoint: ENTRYPOINT,
    gatewayCommand: OPERATOR_ARGS,
    gatewayPorts: [4566, 4567, 9464],
  });
  op = await Operator.connect(t);
  await startEchoServer(t, 'client', TARGET_PORT);
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('a config source that goes blank, foreign or silent', () => {
  it('an empty store removes nothing until a person adopts it', async () => {
    await op.apply(firewall, forward());
    await op.waitForReady('FirewallPolicy', 1);
    await op.waitForReady('PortForward', 1);
    await waitFor(() => forwardAnswers(), { timeoutMs: 30_000, what: 'the forward answering' });

    await restartOperatorOn(4567);
    await waitFor(async () => (await degraded('PortForward')) === 'SourceUnrecognized' || undefined, {
      timeoutMs: 30_000,
      what: 'SourceUnrecognized after the restart',
    });
    expect(await degraded('FirewallPolicy')).toBe('SourceUnrecognized');
    await new Promise((r) => setTimeout(r, 3 * POLL_SECONDS * 1000 + 500));
    expect(await tableExists('csgw_dnat')).toBe(true);
    expect(await tableExists('csgw_filter')).toBe(true);
    expect(await forwardAnswers()).toBe(true);
    const events = await runCsgw(['events', '--admin-url', op.adminUrl, '-o', 'json']);
    const warning = events.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; reason: string; message: string })
      .find((e) => e.reason === 'SourceUnrecognized');
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringMatching(/not store [0-9a-f-]{36}/) });

    const adopt = await t.exec('gateway', [
      ...['node', MAIN, '--endpoint-url', 'http://127.0.0.1:4567', '--gateway', 'e2e'],
      ...['adopt', '--instance-id', 'gw-1', '--imds', 'off'],
    ]);
    expect(adopt.stdout).toMatch(/instance gw-1 adopted store [0-9a-f-]{36} \(marker created\)/);
    await waitFor(async () => !(await tableExists('csgw_dnat')) && !(await tableExists('csgw_filter')), {
      timeoutMs: 30_000,
      what: 'the tables removed after adoption',
    });
    await waitFor(async () => (await degraded('PortForward')) === 'AsExpected' || undefined, {
      timeoutMs: 30_000,
      what: 'Degraded cleared',
    });
    expect(
      connectOutcome(
        await curlEcho(t, { host: t.gatewayPublicIp, port: LISTEN_PORT }, '/', {
          from: 'server',
          maxTimeSec: 2,
        }),
      ),
    ).toBe('refused');
  }, 180_000);

  it('a SIGSTOPped SSM endpoint makes /readyz 503 and every controller SourceStale; SIGCONT recovers', async () => {
    const storeB = `http://127.0.0.1:${t.hostPorts[4567]}`;
    const applied = await runCsgw([
      '--endpoint-url',
      storeB,
      '--gateway',
      'e2e',
      'apply',
      '-f',
      await op.manifestFile([forward()]),
    ]);
    expect(applied.code).toBe(0);
    await waitFor(() => forwardAnswers(), { timeoutMs: 30_000, what: 'the forward answering from store B' });
    await waitFor(async () => (await readyz()) === 200 || undefined, { timeoutMs: 30_000, what: '/readyz 200' });

    await t.exec('gateway', ['pkill', '-STOP', '-f', 'ssm serve --listen 0.0.0.0:4567']);
    const stopped = Date.now();
    try {
      await waitFor(async () => (await readyz()) === 503 || undefined, { timeoutMs: 30_000, what: '/readyz 503' });
      // The verdict comes from the age of the last good list, checked every second: not from a hung call.
      expect(Date.now() - stopped).toBeLessThan(STALE_AFTER_MS + 4_000);
      const body = await (await fetch(`${op.adminUrl}/readyz`)).text();
      expect(body).toMatch(/desired state stale/);
      expect(await degraded('PortForward')).toBe('SourceStale');
      expect(await degraded('SourceNat')).toBe('SourceStale');
      expect(await tableExists('csgw_dnat')).toBe(true);
      expect(await forwardAnswers()).toBe(true);
    } finally {
      await t.exec('gateway', ['pkill', '-CONT', '-f', 'ssm serve --listen 0.0.0.0:4567']);
    }
    await waitFor(async () => (await readyz()) === 200 || undefined, { timeoutMs: 30_000, what: '/readyz 200 again' });
    await waitFor(async () => (await degraded('PortForward')) !== 'SourceStale' || undefined, {
      timeoutMs: 30_000,
      what: 'SourceStale cleared',
    });
    expect(await forwardAnswers()).toBe(true);
  }, 180_000);
});
