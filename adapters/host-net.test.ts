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
  it('reads the default route with `ip -j -4 route show default`', async () => {
    const runner = new FakeRunner(() => ({
      stdout: '[{"dst":"default","gateway":"10.0.1.1","dev":"v0","flags":[]}]\n',
    }));
    await expect(createHostNetAdapter(runner).defaultRoute(signal)).resolves.toEqual({
      interface: 'v0',
      gateway: '10.0.1.1',
    });
    expect(runner.calls.map((c) => [c.file, ...c.args])).toEqual([['ip', '-j', '-4', 'route', 'show', 'default']]);
  });

  it.each([
    ['no default route', '[]\n'],
    ['empty output', ''],
    ['a route without a device', '[{"dst":"default","type":"blackhole"}]'],
  ])('has no default route for %s', async (_what, stdout) => {
    await expect(
      createHostNetAdapter(new FakeRunner(() => ({ stdout }))).defaultRoute(signal),
    ).resolves.toBeUndefined();
  });

  it('keeps a default route without a gateway (point-to-point)', async () => {
    const runner = new FakeRunner(() => ({ stdout: '[{"dst":"default","dev":"wg0","scope":"link","flags":[]}]' }));
    await expect(createHostNetAdapter(runner).defaultRoute(signal)).resolves.toEqual({ interface: 'wg0' });
  });

  it('lists IPv4 addresses with their connected networks, skipping lo and links without IPv4', async () => {
    const runner = new FakeRunner(() => ({ stdout: addrJson }));
    await expect(createHostNetAdapter(runner).addresses(signal)).resolves.toEqual([
      { interface: 'v1', address: '172.16.5.9', network: '172.16.0.0/20' },
      { interface: 'v0', address: '10.0.1.10', network: '10.0.1.0/24' },
      { interface: 'v0', address: '10.0.1.77', network: '10.0.1.0/24' },
    ]);
    expect(runner.calls[0]?.args).toEqual(['-j', '-4', 'addr', 'show']);
  });

  it('throws when ip fails', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 1, stderr: 'Cannot open netlink socket: Permission denied\n' }));
    await expect(createHostNetAdapter(runner).addresses(signal)).rejects.toThrow(
      'ip -4 addr show: Cannot open netlink socket: Permission denied',
    );
  });
});
