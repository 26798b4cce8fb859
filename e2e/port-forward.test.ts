import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ControllerStatus } from '../runtime/status-types.js';
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
  type EchoReply,
  type Topology,
} from './harness/index.js';

/**
 * PortForward with real connections. The topology's roles are used the other way round here: the forward target is
 * an echo server started on the *client* host (private network), and the *server* host (public network) connects to
 * the gateway's public address, like a user on the internet reaching a service behind the gateway.
 */
const KIND = 'PortForward';
const LISTEN_PORT = 8443;
const TARGET_PORT = 9000;

let t: Topology;
let op: Operator;

function forward(rule: Record<string, unknown>): { kind: string; name: string; spec: Record<string, unknown> } {
  const base = { listenPort: LISTEN_PORT, protocol: 'tcp', destinationPort: TARGET_PORT, description: 'e2e echo' };
  return { kind: KIND, name: 'web', spec: { rules: [{ ...base, destinationIp: t.clientIp, ...rule }] } };
}

/** From the public side to the gateway's public address on the listen port. */
function connectFromPublic(maxTimeSec = 3): ReturnType<typeof curlEcho> {
  return curlEcho(t, { host: t.gatewayPublicIp, port: LISTEN_PORT }, '/', { from: 'server', maxTimeSec });
}

async function seenBy(predicate: (reply: EchoReply) => boolean, what: string): Promise<EchoReply> {
  return waitFor(
    async () => {
      const { reply } = await connectFromPublic();
      return reply && predicate(reply) && reply;
    },
    { timeoutMs: 30_000, what },
  );
}

async function outcomeBecomes(want: ConnectOutcome, what: string): Promise<void> {
  await waitFor(async () => connectOutcome(await connectFromPublic(2)) === want, { timeoutMs: 30_000, what });
}

function details(status: ControllerStatus): { forwards?: number; counters?: Record<string, number> } {
  return status.details;
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('port-forward', { gatewayCommand: operatorCommand() });
  op = await Operator.connect(t);
  await startEchoServer(t, 'client', TARGET_PORT);
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('PortForward in a gateway container', () => {
  it('without a PortForward the gateway refuses the listen port', async () => {
    // Nothing listens on the gateway itself: its kernel answers the SYN with a RST.
    expect(connectOutcome(await connectFromPublic(2))).toBe('refused');
  }, 30_000);

  it('a forward reaches the private echo server, masqueraded to the gateway private address', async () => {
    await op.apply(forward({}));
    const reply = await seenBy(() => true, 'a reply through the forward');
    expect(reply).toMatchObject({
      remoteAddress: t.gatewayPrivateIp,
      localAddress: t.clientIp,
      localPort: TARGET_PORT,
    });

    // The status the admin API serves: Ready for generation 1, and the connection counted by the dnat rule.
    const status = await op.waitForReady(KIND, 1, {
      accept: (s) => (details(s).counters?.rewritePortConnections ?? 0) > 0,
    });
    expect(status.name).toBe('web');
    expect(status.observedGeneration).toBe(1);
    expect(details(status)).toMatchObject({ forwards: 1, counters: { masqueradedConnections: expect.any(Number) } });
    expect(details(status).counters?.masqueradedConnections).toBeGreaterThan(0);
  }, 90_000);

  it('csgw explain shows the translation the kernel just made', async () => {
    const out = await op.csgw([
      'explain',
      ...['--src', t.serverIp, '--dst', t.gatewayPublicIp, '--to-gateway'],
      ...['--dport', String(LISTEN_PORT), '--proto', 'tcp', '-o', 'json'],
    ]);
    const explained = JSON.parse(out) as { dnat: Record<string, unknown>; filter: { action: string } };
    expect(explained.dnat).toMatchObject({
      forwarded: true,
      resource: 'web',
      destinationIp: t.clientIp,
      destinationPort: TARGET_PORT,
      masquerade: true,
    });
    expect(explained.filter.action).toBe('allow');
  }, 30_000);

  it('masquerade false keeps the client address: the target answers through its default route', async () => {
    await op.apply(forward({ masquerade: false }));
    const reply = await seenBy((r) => r.remoteAddress === t.serverIp, 'the public client address at the target');
    expect(reply.localPort).toBe(TARGET_PORT);
    await op.waitForReady(KIND, 2);
  }, 60_000);

  it('allowedSourceCidrs leaves other sources unforwarded', async () => {
    await op.apply(forward({ allowedSourceCidrs: [t.privateSubnet] }));
    await outcomeBecomes('refused', 'the forward to ignore a source outside allowedSourceCidrs');
    await op.apply(forward({ allowedSourceCidrs: [`${t.serverIp}/32`] }));
    const reply = await seenBy(() => true, 'the forward for the allowed source');
    expect(reply.remoteAddress).toBe(t.gatewayPrivateIp);
  }, 60_000);

  it('removing the PortForward closes the port again and status owns nothing', async () => {
    await op.delete(KIND, ['web']);
    await outcomeBecomes('refused', 'the listen port to close');
    const status = await op.waitForReady(KIND, undefined);
    expect(status.name).toBeUndefined();
    const table = await t.exec('gateway', ['nft', 'list', 'table', 'inet', 'csgw_dnat']);
    expect(table.exitCode).not.toBe(0);
  }, 60_000);
});
