import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../runtime/controller.js';
import { FakeRunner, type RecordedCommand } from '../testing/fake-runner.js';
import { createCommandSysctlAdapter, createNetnsRunner } from './netns.js';

const signal = new AbortController().signal;
const SYSCTL = { ipForward: 'net.ipv4.ip_forward', conntrackMax: 'net.netfilter.nf_conntrack_max' } as const;

/**
 * A non-initial network namespace as procps and coreutils show it: ip_forward is its own (0644); nf_conntrack_max is
 * host-global, mode 0444 there (`test -w` fails) and `sysctl -w` of it prints EINVAL yet exits 0.
 */
function netnsHost(): FakeRunner {
  const values: Record<string, string> = { [SYSCTL.ipForward]: '0', [SYSCTL.conntrackMax]: '262144' };
  const readOnly = new Set(['/proc/sys/net/netfilter/nf_conntrack_max']);
  return new FakeRunner(({ file, args }: RecordedCommand) => {
    if (file === 'test') return { exitCode: readOnly.has(args[1] ?? '') ? 1 : 0 };
    if (args[0] === '-n') {
      const value = values[args[1] ?? ''];
      return value === undefined ? { exitCode: 255, stderr: 'sysctl: cannot stat' } : { stdout: `${value}\n` };
    }
    const [key = '', value = ''] = (args[1] ?? '').split('=');
    if (key === SYSCTL.conntrackMax) return { stderr: `sysctl: setting key "${key}": Invalid argument\n` };
    values[key] = value;
    return { stdout: `${key} = ${value}\n` };
  });
}

describe('createCommandSysctlAdapter (sysctls of a --netns namespace)', () => {
  it('reads a host-global knob as read-only (test -w inside the namespace), so it is never planned', async () => {
    const runner = netnsHost();
    const sysctl = createCommandSysctlAdapter(runner);
    await expect(sysctl.read(SYSCTL.conntrackMax, signal)).resolves.toEqual({ value: '262144', writable: false });
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '0', writable: true });
    expect(runner.calls.filter((c) => c.file === 'test').map((c) => c.args)).toEqual([
      ['-w', '/proc/sys/net/netfilter/nf_conntrack_max'],
      ['-w', '/proc/sys/net/ipv4/ip_forward'],
    ]);
  });

  it('reads a missing key as no value, not writable', async () => {
    await expect(createCommandSysctlAdapter(netnsHost()).read('net.nope', signal)).resolves.toEqual({
      writable: false,
    });
  });

  it('a write procps refuses on stderr but exits 0 for is a failure, not a silent success', async () => {
    const sysctl = createCommandSysctlAdapter(netnsHost());
    const err = await sysctl.write(SYSCTL.conntrackMax, '300000', signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerError);
    expect(err).toMatchObject({ reason: 'SysctlUnavailable' });
    expect((err as Error).message).toMatch(/cannot set net\.netfilter\.nf_conntrack_max=300000: .*Invalid argument/);
    await sysctl.write(SYSCTL.ipForward, '1', signal);
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '1', writable: true });
  });

  it('remembers a permission refusal: the key reads as read-only from then on, without asking test -w', async () => {
    const runner = new FakeRunner(({ file, args }) => {
      if (file === 'test') return {};
      if (args[0] === '-n') return { stdout: '1\n' };
      return { exitCode: 255, stderr: 'sysctl: permission denied on key "net.ipv4.ip_forward"' };
    });
    const sysctl = createCommandSysctlAdapter(runner);
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '1', writable: true });
    await expect(sysctl.write(SYSCTL.ipForward, '0', signal)).rejects.toMatchObject({ reason: 'SysctlUnavailable' });
    const calls = runner.calls.length;
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '1', writable: false });
    expect(runner.calls.slice(calls).map((c) => c.file)).toEqual(['sysctl']);
  });

  it('runs inside the namespace through the netns runner', async () => {
    const inner = new FakeRunner(() => ({ stdout: '1\n' }));
    await createCommandSysctlAdapter(createNetnsRunner('gw', inner)).read(SYSCTL.ipForward, signal);
    expect(inner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['ip', 'netns', 'exec', 'gw', 'sysctl', '-n', SYSCTL.ipForward],
      ['ip', 'netns', 'exec', 'gw', 'test', '-w', '/proc/sys/net/ipv4/ip_forward'],
    ]);
  });
});
