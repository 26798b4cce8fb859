import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../runtime/controller.js';
import { FakeRunner, type RecordedCommand } from '../testing/fake-runner.js';
import { createCommandSysctlAdapter, createNetnsRunner } from './netns.js';

const signal = new AbortController().signal;
const SYSCTL = { ipForward: 'net.ipv4.ip_forward', conntrackMax: 'net.netfilter.nf_conntrack_max' } as const;

/**
 * A non-initial network namespace as procps and findutils show it: ip_forward is its own (0644); nf_conntrack_max is
 * host-global, mode 0444 there (`find -writable` leaves it out) and `sysctl -w` of it prints EINVAL yet exits 0.
 */
function netnsHost(): FakeRunner {
  const values: Record<string, string> = { [SYSCTL.ipForward]: '0', [SYSCTL.conntrackMax]: '262144' };
  const readOnly = new Set(['/proc/sys/net/netfilter/nf_conntrack_max']);
  return new FakeRunner(({ file, args }: RecordedCommand) => {
    if (file === 'find') return { stdout: args.filter((a) => a.startsWith('/proc/') && !readOnly.has(a)).join('\n') };
    if (args[0] !== '-w') {
      const found = args.filter((k) => values[k] !== undefined);
      return {
        exitCode: found.length === args.length ? 0 : 255,
        stdout: found.map((k) => `${k} = ${values[k]}\n`).join(''),
        stderr:
          found.length === args.length ? '' : 'sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n',
      };
    }
    const [key = '', value = ''] = (args[1] ?? '').split('=');
    if (key === SYSCTL.conntrackMax) return { stderr: `sysctl: setting key "${key}": Invalid argument\n` };
    values[key] = value;
    return { stdout: `${key} = ${value}\n` };
  });
}

describe('createCommandSysctlAdapter (sysctls of a --netns namespace)', () => {
  it('reads the keys of one pass with one sysctl process, and asks access(2) once per key', async () => {
    const runner = netnsHost();
    let t = 0;
    const sysctl = createCommandSysctlAdapter(runner, { now: () => t });
    const read = (): Promise<unknown> =>
      Promise.all([
        sysctl.read(SYSCTL.conntrackMax, signal),
        sysctl.read(SYSCTL.ipForward, signal),
        sysctl.read('net.nope', signal),
      ]);
    await expect(read()).resolves.toEqual([
      { value: '262144', writable: false },
      { value: '0', writable: true },
      { writable: false },
    ]);
    expect(runner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['sysctl', SYSCTL.conntrackMax, SYSCTL.ipForward, 'net.nope'],
      [
        'find',
        '/proc/sys/net/netfilter/nf_conntrack_max',
        '/proc/sys/net/ipv4/ip_forward',
        '-maxdepth',
        '0',
        '-writable',
      ],
    ]);
    // Within a second (a pass's verify) the values answer again; later one sysctl process reads them all.
    t = 999;
    await read();
    expect(runner.calls).toHaveLength(2);
    t = 1_000;
    await read();
    expect(runner.calls.slice(2).map((c) => c.file)).toEqual(['sysctl']);
  });

  it('a write forgets the value it replaces: the next read asks the kernel', async () => {
    const runner = netnsHost();
    const sysctl = createCommandSysctlAdapter(runner, { now: () => 0 });
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toMatchObject({ value: '0' });
    await sysctl.write(SYSCTL.ipForward, '1', signal);
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toMatchObject({ value: '1' });
  });

  it('refuses a key that could be read as an option', async () => {
    const runner = netnsHost();
    await expect(createCommandSysctlAdapter(runner).read('-w', signal)).rejects.toMatchObject({
      reason: 'SysctlUnavailable',
    });
    expect(runner.calls).toEqual([]);
  });

  it('fails every read of the batch when sysctl cannot run', async () => {
    const sysctl = createCommandSysctlAdapter(new FakeRunner(() => Promise.reject(new Error('spawn ip ENOENT'))));
    const reads = [sysctl.read(SYSCTL.ipForward, signal), sysctl.read(SYSCTL.conntrackMax, signal)];
    for (const r of reads) await expect(r).rejects.toThrow('spawn ip ENOENT');
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

  it('remembers a permission refusal: the key reads as read-only from then on', async () => {
    const runner = new FakeRunner(({ file, args }) => {
      if (file === 'find') return { stdout: '/proc/sys/net/ipv4/ip_forward\n' };
      if (args[0] !== '-w') return { stdout: `${SYSCTL.ipForward} = 1\n` };
      return { exitCode: 255, stderr: 'sysctl: permission denied on key "net.ipv4.ip_forward"' };
    });
    const sysctl = createCommandSysctlAdapter(runner);
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '1', writable: true });
    await expect(sysctl.write(SYSCTL.ipForward, '0', signal)).rejects.toMatchObject({ reason: 'SysctlUnavailable' });
    await expect(sysctl.read(SYSCTL.ipForward, signal)).resolves.toEqual({ value: '1', writable: false });
  });

  it('runs inside the namespace through the netns runner', async () => {
    const inner = new FakeRunner(() => ({ stdout: '' }));
    await createCommandSysctlAdapter(createNetnsRunner('gw', inner)).read(SYSCTL.ipForward, signal);
    expect(inner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['ip', 'netns', 'exec', 'gw', 'sysctl', SYSCTL.ipForward],
    ]);
  });
});
