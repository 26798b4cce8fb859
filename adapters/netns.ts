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

const REFUSED = /read-only|permission denied|operation not permitted/i;

/**
 * Sysctls of another network namespace: /proc/sys/net shows the reader's namespace, so this goes through the
 * `sysctl` program run by a namespace-bound runner. Refused writes are remembered like the /proc adapter does.
 */
export function createCommandSysctlAdapter(runner: CommandRunner): SysctlPort {
  const refused = new Set<string>();
  return {
    async read(key, signal): Promise<SysctlValue> {
      const result = await runner.run('sysctl', ['-n', key], { signal });
      if (result.exitCode !== 0) return { writable: false };
      return { value: result.stdout.trim(), writable: !refused.has(key) };
    },
    async write(key, value, signal): Promise<void> {
      const result = await runner.run('sysctl', ['-w', `${key}=${value}`], { signal });
      if (result.exitCode === 0) return;
      if (REFUSED.test(result.stderr)) refused.add(key);
      throw new ControllerError('SysctlUnavailable', `cannot set ${key}=${value}: ${result.stderr.trim()}`);
    },
  };
}
