import { describe, expect, it } from '@jest/globals';
import { FakeRunner } from '../testing/fake-runner.js';
import { createHostNetAdapter } from './host-net.js';

const signal = new AbortController().signal;

// `ip -j -4 addr show` (iproute2) in a namespace with lo, a link without IPv4 ({}), and two veths.
const addrJson = JSON.stringify([
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK', 'UP'],
    addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo' }],
  },
  {},
  {
    ifindex: 2,
    link: 'v0',
    ifname: 'v1',
    addr_info: [{ family: 'inet', local: '172.16.5.9', prefixlen: 20, scope: 'global', label: 'v1' }],
  },
  {
    ifindex: 3,
    ifname: 'v0',
    addr_info: [
      { family: 'inet', local: '10.0.1.10', prefixlen: 24, scope: 'global', label: 'v0' },
      { family: 'inet', local: '10.0.1.77', prefixlen: 24, scope: 'global', secondary: true, label: 'v0' },
    ],
  },
]);

describe('host-net adapter', () => {
  /** `ip -j -4 -batch -` answers one JSON document per command, one per line. */
  const batch = (routes: string, addrs = '[]'): FakeRunner =>
    new FakeRunner(() => ({ stdout: `${routes}\n${addrs}\n` }));

  it('reads the default route and the addresses with one `ip -j -4 -batch -` process', async () => {
    const runner = batch('[{"dst":"default","gateway":"10.0.1.1","dev":"v0","flags":[]}]', addrJson);
    const hostNet = createHostNetAdapter(runner);
    const [route, addresses] = await Promise.all([hostNet.defaultRoute(signal), hostNet.addresses(signal)]);
    expect(route).toEqual({ interface: 'v0', gateway: '10.0.1.1' });
    expect(addresses).toHaveLength(3);
    expect(runner.calls.map((c) => [c.file, ...c.args, c.input])).toEqual([
      ['ip', '-j', '-4', '-batch', '-', 'route show default\naddr show\n'],
    ]);
  });

  it('reads again once the last read is older than maxAgeMs', async () => {
    let t = 0;
    const runner = batch('[]');
    const hostNet = createHostNetAdapter(runner, { maxAgeMs: 1_000, now: () => t });
    await hostNet.defaultRoute(signal);
    t = 999;
    await hostNet.addresses(signal);
    expect(runner.calls).toHaveLength(1);
    t = 1_000;
    await hostNet.addresses(signal);
    expect(runner.calls).toHaveLength(2);
  });

  it.each([
    ['no default route', '[]'],
    ['a route without a device', '[{"dst":"default","type":"blackhole"}]'],
  ])('has no default route for %s', async (_what, routes) => {
    await expect(createHostNetAdapter(batch(routes)).defaultRoute(signal)).resolves.toBeUndefined();
  });

  it('keeps a default route without a gateway (point-to-point)', async () => {
    const runner = batch('[{"dst":"default","dev":"wg0","scope":"link","flags":[]}]');
    await expect(createHostNetAdapter(runner).defaultRoute(signal)).resolves.toEqual({ interface: 'wg0' });
  });

  it('lists IPv4 addresses with their connected networks, skipping lo and links without IPv4', async () => {
    await expect(createHostNetAdapter(batch('[]', addrJson)).addresses(signal)).resolves.toEqual([
      { interface: 'v1', address: '172.16.5.9', network: '172.16.0.0/20' },
      { interface: 'v0', address: '10.0.1.10', network: '10.0.1.0/24' },
      { interface: 'v0', address: '10.0.1.77', network: '10.0.1.0/24' },
    ]);
  });

  it('throws when ip fails, and does not keep the failure for the next caller', async () => {
    let fail = true;
    const runner = new FakeRunner(() =>
      fail ? { exitCode: 1, stderr: 'Cannot open netlink socket: Permission denied\n' } : { stdout: '[]\n[]\n' },
    );
    const hostNet = createHostNetAdapter(runner);
    await expect(hostNet.addresses(signal)).rejects.toThrow(
      'ip -4 route/addr show: Cannot open netlink socket: Permission denied',
    );
    fail = false;
    await expect(hostNet.addresses(signal)).resolves.toEqual([]);
  });

  it.each([
    ['empty output', ''],
    ['one document', '[]\n'],
    ['not arrays', '{}\n{}\n'],
  ])('throws on unexpected output: %s', async (_what, stdout) => {
    await expect(createHostNetAdapter(new FakeRunner(() => ({ stdout }))).addresses(signal)).rejects.toThrow(
      /unexpected output/,
    );
  });
});
