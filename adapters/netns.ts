import type { CommandRunner, SysctlPort, SysctlValue } from '../runtime/ports.js';
import { ControllerError } from '../runtime/controller.js';

/** Runs every command inside a named network namespace (`csgw run --netns`), e.g. a lab gateway. */
export function createNetnsRunner(netns: string, inner: CommandRunner): CommandRunner {
  return {
    run: (file, args, opts) => {
      const [ip, ...rest] = inNetns(netns, [file, ...args]);
      return inner.run(ip!, rest, opts);
    },
  };
}

/** argv run inside a named network namespace (`ip netns exec`). */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}

/** A refusal that will not change (remembered: the key reads as read-only from then on). */
const REFUSED = /read-only|permission denied|operation not permitted/i;

/**
 * Sysctls of another network namespace: /proc/sys/net shows the reader's namespace, so this goes through programs
 * run by a namespace-bound runner. Writability is `test -w` inside the namespace (access(2), as the /proc adapter
 * does): a host-global knob such as nf_conntrack_max is mode 0444 in a non-initial namespace, so it reads as
 * read-only and is never planned. Refused writes are remembered like the /proc adapter does.
 */
export function createCommandSysctlAdapter(runner: CommandRunner): SysctlPort {
  const refused = new Set<string>();
  return {
    async read(key, signal): Promise<SysctlValue> {
      const result = await runner.run('sysctl', ['-n', key], { signal });
      if (result.exitCode !== 0) return { writable: false };
      const value = result.stdout.trim();
      if (refused.has(key)) return { value, writable: false };
      const access = await runner.run('test', ['-w', `/proc/sys/${key.split('.').join('/')}`], { signal });
      return { value, writable: access.exitCode === 0 };
    },
    async write(key, value, signal): Promise<void> {
      const result = await runner.run('sysctl', ['-w', `${key}=${value}`], { signal });
      // procps exits 0 when the kernel refuses the value ("setting key ...: Invalid argument"): stderr tells.
      if (result.exitCode === 0 && result.stderr.trim() === '') return;
      if (REFUSED.test(result.stderr)) refused.add(key);
      throw new ControllerError('SysctlUnavailable', `cannot set ${key}=${value}: ${result.stderr.trim()}`);
    },
  };
}
