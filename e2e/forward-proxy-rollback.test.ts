import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ControllerStatus } from '../runtime/status-types.js';
import {
  createTopology,
  curlViaProxy,
  ensureImages,
  gatewayProxy,
  Operator,
  operatorCommand,
  runningSquidPid,
  waitFor,
  type Topology,
} from './harness/index.js';

/**
 * A ForwardProxy moved to an address the gateway does not have passes the schema and squid's own check, and would
 * leave no proxy at all once squid failed to bind it. The daemon kit's pre-flight refuses it before anything live
 * changes: the proxy keeps serving on its old address with the same squid process, and status says why.
 */
const KIND = 'ForwardProxy';
const PORT = 3128;
/** TEST-NET-1: never an address of the gateway. */
const NOT_LOCAL = '192.0.2.10';

let t: Topology;
let op: Operator;

interface Details {
  listening?: string;
  running?: { pid?: number; hash?: string };
  lastValidationError?: string;
}

const details = (s: ControllerStatus | undefined): Details => s?.details ?? {};
const condition = (s: ControllerStatus | undefined, type: string) => s?.conditions.find((c) => c.type === type);

function spec(listenAddress: string): Record<string, unknown> {
  return { enable: true, port: PORT, listenAddress, allowedClientCidrs: [t.privateSubnet] };
}

async function answers(): Promise<boolean> {
  const proxy = gatewayProxy(t, PORT);
  return (await curlViaProxy(t, proxy, `http://allowed.example:${t.serverPort}/`, { maxTimeSec: 2 })).httpCode === 200;
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('forward-proxy-rollback', {
    gatewayCommand: operatorCommand(),
    gatewayHosts: { 'allowed.example': 'server' },
  });
  op = await Operator.connect(t);
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('ForwardProxy: a revision that cannot run is refused, the proxy keeps serving', () => {
  it('moved to a non-local listenAddress: PreflightFailed, squid keeps serving on the old address', async () => {
    await op.apply({ kind: KIND, name: 'default', spec: spec(t.gatewayPrivateIp) });
    const before = details(
      await op.waitForReady(KIND, 1, { accept: (s) => details(s).listening === `${t.gatewayPrivateIp}:${PORT}` }),
    );
    expect(await answers()).toBe(true);

    await op.apply({ kind: KIND, name: 'default', spec: spec(NOT_LOCAL) });
    const refused = await waitFor(
      async () => {
        const s = await op.controller(KIND);
        return condition(s, 'Ready')?.reason === 'PreflightFailed' && s;
      },
      { timeoutMs: 60_000, what: 'Ready=False PreflightFailed' },
    );
    expect(condition(refused, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(refused, 'Ready')?.message).toContain(`${NOT_LOCAL} is not an address of this host`);
    // Nothing live changed: the same squid, on the same revision, answering on the old address.
    expect(await runningSquidPid(t)).toBe(before.running?.pid);
    const current = await t.exec('gateway', ['readlink', '/var/lib/csgw/squid/config/current']);
    expect(current.stdout.trim()).toBe(`rev-${before.running?.hash}`);
    expect(await answers()).toBe(true);
    const listeners = await t.exec('gateway', ['ss', '-Hltn', `sport = :${PORT}`]);
    expect(listeners.stdout).toContain(`${t.gatewayPrivateIp}:${PORT}`);

    // Back to a local address: the refusal clears.
    await op.apply({ kind: KIND, name: 'default', spec: spec(t.gatewayPrivateIp) });
    const back = await op.waitForReady(KIND, 3);
    expect(details(back).lastValidationError).toBeUndefined();
    expect(await answers()).toBe(true);
  }, 180_000);
});
