import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ControllerStatus } from '../runtime/status-types.js';
import {
  createTopology,
  curlViaProxy,
  ensureImages,
  gatewayProxy,
  Operator,
  operatorCommand,
  ProxyDownload,
  runningSquidPid,
  waitFor,
  type Topology,
} from './harness/index.js';

/**
 * An operator upgrade does not cut proxy traffic: with --keep-daemons, stopping the operator leaves squid serving
 * (an in-flight download goes on) and the next operator adopts the same squid process instead of starting another.
 * The gateway runs the operator in a restart loop, as the appliance's systemd unit does (Restart=always).
 */
const KIND = 'ForwardProxy';
const PORT = 3128;
// The loop's arguments arrive as "$@": nothing is interpolated into the script.
const RESTART_LOOP = [
  'sh',
  '-c',
  'while :; do /usr/local/bin/node /app/dist/cli/main.js "$@"; sleep 0.5; done',
  'loop',
];

let t: Topology;
let op: Operator;

const running = (s: ControllerStatus | undefined): { pid?: number; hash?: string } =>
  (s?.details as { running?: { pid?: number; hash?: string } } | undefined)?.running ?? {};

async function operatorPid(): Promise<string> {
  // By command line: Node 24 names its main thread MainThread, so the process name is no longer `node`.
  return (await t.exec('gateway', ['pgrep', '-f', '^/usr/local/bin/node /app/dist/cli/main.js run'])).stdout.trim();
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('forward-proxy-upgrade', {
    gatewayEntrypoint: RESTART_LOOP,
    gatewayCommand: operatorCommand(['--keep-daemons']),
    gatewayHosts: { 'allowed.example': 'server' },
  });
  op = await Operator.connect(t);
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('ForwardProxy across an operator restart (--keep-daemons)', () => {
  it('squid keeps serving an in-flight download and the new operator adopts it', async () => {
    const spec = { enable: true, port: PORT, allowedClientCidrs: [t.privateSubnet] };
    await op.apply({ kind: KIND, name: 'default', spec });
    const before = running(await op.waitForReady(KIND, 1, { accept: (s) => running(s).pid !== undefined }));
    expect(before.pid).toBe(await runningSquidPid(t));

    const size = 1_500_000;
    const url = `http://allowed.example:${t.serverPort}/slow-bytes?size=${size}&seconds=8`;
    const download = await ProxyDownload.start(t, gatewayProxy(t, PORT), url, { maxTimeSec: 60 });
    await download.receivedMoreThan(0);

    const first = await operatorPid();
    await t.exec('gateway', ['kill', '-TERM', first]);
    await waitFor(async () => ((await operatorPid()) !== first && (await operatorPid()) !== '') || undefined, {
      timeoutMs: 30_000,
      what: 'the operator restarted',
    });
    // While no operator or a new one runs, squid is the same process and answers.
    expect(await runningSquidPid(t)).toBe(before.pid);
    const during = await curlViaProxy(t, gatewayProxy(t, PORT), `http://allowed.example:${t.serverPort}/`);
    expect(during.httpCode).toBe(200);

    await waitFor(async () => (await fetch(`${op.adminUrl}/healthz`).catch(() => undefined))?.ok || undefined, {
      timeoutMs: 30_000,
      what: 'the new operator answering',
    });
    const adopted = await op.waitForReady(KIND, 1, { accept: (s) => running(s).pid !== undefined, timeoutMs: 30_000 });
    expect(running(adopted)).toEqual(expect.objectContaining({ pid: before.pid, hash: before.hash }));

    const done = await download.finished(60_000);
    expect(done).toMatchObject({ exitCode: 0, httpCode: 200, bytes: size });
    expect(await runningSquidPid(t)).toBe(before.pid);
  }, 180_000);
});
