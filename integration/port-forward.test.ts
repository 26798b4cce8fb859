// PortForward with real packets, in this test's own network namespace (`unshare --net`) as the lab's gateway: a
// client connects to the gateway's address and the echo server behind it answers with the address it saw. Both
// layouts are exercised (exact-match maps for any-source single ports, interval maps for source CIDRs and ranges),
// and a forward moved between them by an incremental pass translates at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createLabTopology, LAB_SERVER_PORT, type LabTopology } from '../lab/topology.js';
import { FakeSysctl } from '../testing/fake-sysctl.js';
import {
  decoded,
  pfSnapshot,
  planNow,
  reconcilePass,
  type PortForwardController,
} from '../testing/port-forward-fixtures.js';
import { createPortForwardController } from '../controllers/port-forward/index.js';

const nft = createNftAdapter(createExecRunner());
let topo: LabTopology;
let controller: PortForwardController;

/** GET through the gateway's client-side address: the address the server saw, or undefined (no answer). */
async function fetchVia(port: number): Promise<string | undefined> {
  const url = `http://${topo.gatewayPrivateIp}:${port}/`;
  const r = await execa('ip', ['netns', 'exec', topo.clientNs, 'curl', '-s', '-m', '2', url], { reject: false });
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as { remoteAddress: string }).remoteAddress : undefined;
}

/** One pass (incremental unless `full`), then a fresh full observe must plan nothing. */
async function converge(rules: unknown[], generation: number, full: boolean): Promise<string[]> {
  const desired = decoded(controller, pfSnapshot([{ name: 'web', generation, spec: { rules } }]));
  expect(desired.spec.rejected).toEqual([]);
  const applied = await reconcilePass(controller, desired, full);
  expect(await planNow(controller, desired, true)).toEqual([]);
  return applied.map((a) => controller.describe(a));
}

const server = (): { destinationIp: string } => ({ destinationIp: topo.serverIp });

beforeAll(async () => {
  topo = await createLabTopology();
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
  controller = createPortForwardController({
    ports: { nft, sysctl: new FakeSysctl({ 'net.ipv4.ip_forward': { value: '1', writable: true } }) },
  });
}, 30_000);

afterAll(async () => {
  await topo?.cleanup();
  const signal = new AbortController().signal;
  if (await nft.listTable('inet', 'csgw_dnat', signal))
    await nft.commit([{ op: 'deleteTable', family: 'inet', name: 'csgw_dnat' }], signal);
});

describe('PortForward with real packets', () => {
  it('translates through both layouts, honours allowedSourceCidrs, and masquerades by the targets sets', async () => {
    await converge(
      [
        { listenPort: 9080, ...server(), destinationPort: LAB_SERVER_PORT },
        { listenPort: 9081, ...server(), destinationPort: LAB_SERVER_PORT, allowedSourceCidrs: ['10.77.0.0/24'] },
        { listenPort: 9082, ...server(), destinationPort: LAB_SERVER_PORT, allowedSourceCidrs: ['192.0.2.0/24'] },
        { listenPortRange: `${LAB_SERVER_PORT}-${LAB_SERVER_PORT + 1}`, ...server() },
      ],
      1,
      true,
    );
    // The server has no route back to the client: an answer proves the masquerade (source = gateway's address).
    expect(await fetchVia(9080)).toBe(topo.gatewayPublicIp);
    expect(await fetchVia(9081)).toBe(topo.gatewayPublicIp);
    expect(await fetchVia(LAB_SERVER_PORT)).toBe(topo.gatewayPublicIp);
    // 8081 is only in the ranges set; the server refuses it, and the refusal finds its way back: masqueraded too.
    expect(await fetchVia(LAB_SERVER_PORT + 1)).toBeUndefined();
    // A client outside allowedSourceCidrs reaches the gateway's own port 9082, where nothing listens.
    expect(await fetchVia(9082)).toBeUndefined();
  }, 30_000);

  it('moves forwards between the layouts with element updates only, effective at once', async () => {
    const applied = await converge(
      [
        // Gains a source CIDR that excludes the client: exact-match maps -> interval maps.
        { listenPort: 9080, ...server(), destinationPort: LAB_SERVER_PORT, allowedSourceCidrs: ['192.0.2.0/24'] },
        // Loses its source CIDR: interval maps -> exact-match maps.
        { listenPort: 9082, ...server(), destinationPort: LAB_SERVER_PORT },
        // A range becomes a single kept port: fwd_keep -> any_keep, fwd_target_ranges -> fwd_targets.
        { listenPort: LAB_SERVER_PORT, ...server() },
        // Without masquerade the reply cannot find its way back (the server has no route to the client).
        { listenPort: 9083, ...server(), destinationPort: LAB_SERVER_PORT + 1, masquerade: false },
      ],
      2,
      false,
    );
    expect(applied.filter((line) => !line.startsWith('update set '))).toEqual([]);
    expect(await fetchVia(9080)).toBeUndefined();
    expect(await fetchVia(9082)).toBe(topo.gatewayPublicIp);
    expect(await fetchVia(LAB_SERVER_PORT)).toBe(topo.gatewayPublicIp);
    expect(await fetchVia(9083)).toBeUndefined();
    const counters = (await nft.listTable('inet', 'csgw_dnat', new AbortController().signal))?.counters ?? [];
    const packets = (chain: string, index: number): number =>
      counters.find((c) => c.chain === chain && c.index === index)?.packets ?? 0;
    // Every rule translated something: rewrite and keep in both layouts, masquerade for single ports and ranges.
    for (const index of [0, 1, 2, 3]) expect(packets('prerouting', index)).toBeGreaterThan(0);
    for (const index of [0, 1]) expect(packets('postrouting', index)).toBeGreaterThan(0);
  }, 30_000);
});
