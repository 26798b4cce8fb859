// A host-global sysctl in a non-initial network namespace, against the real kernel: nf_conntrack_max is mode 0444
// there, and procps `sysctl -w` of it prints EINVAL yet exits 0. Both sysctl adapters must read it as read-only, so
// SourceNat never plans the write and reports it once as Unsupported instead of failing verification forever.
// Runs under `unshare --net` like the other integration tests (refuses to run where nf_conntrack_max is writable).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { accessSync, constants } from 'node:fs';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createCommandSysctlAdapter } from '../adapters/netns.js';
import { createSysctlAdapter } from '../adapters/sysctl.js';
import { createSourceNatController } from '../controllers/source-nat/index.js';
import { SYSCTL } from '../controllers/source-nat/names.js';
import type { SysctlPort } from '../runtime/ports.js';
import { addr, FakeHostNet } from '../testing/fake-host-net.js';
import { FakeNft } from '../testing/fake-nft.js';

const signal = new AbortController().signal;
const PROBE_TABLE = ['inet', 'csgw_it_conntrack'];
const adapters: [string, () => SysctlPort][] = [
  ['/proc/sys adapter', () => createSysctlAdapter()],
  ['sysctl command adapter (--netns)', () => createCommandSysctlAdapter(createExecRunner())],
];

/** The initial namespace (where the knob is writable): this test would change the host's limit there. */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // A ct expression loads nf_conntrack, whose sysctls this test reads.
  await execa('nft', ['add', 'table', ...PROBE_TABLE]);
  await execa('nft', ['add', 'chain', ...PROBE_TABLE, 'c', '{ type filter hook input priority 0; }']);
  await execa('nft', ['add', 'rule', ...PROBE_TABLE, 'c', 'ct', 'state', 'established', 'accept']);
  if (writable('/proc/sys/net/netfilter/nf_conntrack_max')) {
    throw new Error('run under `unshare --net`: nf_conntrack_max is writable here, the initial network namespace');
  }
});

afterAll(async () => {
  await execa('nft', ['delete', 'table', ...PROBE_TABLE], { reject: false });
});

describe.each(adapters)('%s in a non-initial network namespace', (_name, create) => {
  it('reads nf_conntrack_max (host-global) as read-only and ip_forward (per namespace) as writable', async () => {
    const sysctl = create();
    expect(await sysctl.read(SYSCTL.conntrackMax, signal)).toEqual({
      value: expect.stringMatching(/^\d+$/) as unknown,
      writable: false,
    });
    expect(await sysctl.read(SYSCTL.ipForward, signal)).toMatchObject({ writable: true });
  });

  it('a write of nf_conntrack_max fails instead of passing silently', async () => {
    const sysctl = create();
    const current = Number((await sysctl.read(SYSCTL.conntrackMax, signal)).value);
    await expect(sysctl.write(SYSCTL.conntrackMax, String(current + 1), signal)).rejects.toMatchObject({
      reason: 'SysctlUnavailable',
    });
    expect((await sysctl.read(SYSCTL.conntrackMax, signal)).value).toBe(String(current));
  });

  it('SourceNat skips it, converges, and reports it as Unsupported', async () => {
    const sysctl = create();
    const current = Number((await sysctl.read(SYSCTL.conntrackMax, signal)).value);
    const controller = createSourceNatController({
      ports: {
        nft: new FakeNft(),
        sysctl,
        hostNet: new FakeHostNet({ defaultRoute: { interface: 'eth0' }, addresses: [addr('eth1', '10.0.1.1/24')] }),
      },
      vpcCidrs: [],
    });
    const decoded = controller.decode({
      kind: 'SourceNat',
      resources: [{ name: 'default', generation: 1, value: JSON.stringify({ conntrack: { max: current + 1 } }) }],
    });
    if (!decoded.ok) throw new Error(decoded.errors.join('; '));
    const desired = decoded.desired;
    const plan = controller.plan(desired, await controller.observe(signal, { full: true, desired }));
    expect(plan.filter((a) => a.op === 'setSysctl' && a.key === SYSCTL.conntrackMax)).toEqual([]);
    await controller.apply(plan, signal);
    const observed = await controller.observe(signal, { full: true, desired });
    expect(controller.plan(desired, observed)).toEqual([]);
    expect(controller.warnings(desired, observed)).toEqual([
      {
        reason: 'Unsupported',
        message: `net.netfilter.nf_conntrack_max=${current + 1} not applied: read-only in this network namespace`,
      },
    ]);
  });
});
