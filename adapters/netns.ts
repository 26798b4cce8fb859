import type { CommandRunner, SysctlPort, SysctlValue } from '../runtime/ports.js';
import { ControllerError } from '../runtime/controller.js';
import { abortable } from '../runtime/abortable.js';

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

const READ_DEADLINE_MS = 30_000;

/** A refusal that will not change (remembered: the key reads as read-only from then on). */
const REFUSED = /read-only|permission denied|operation not permitted/i;

interface PendingRead {
  key: string;
  resolve: (v: SysctlValue) => void;
  reject: (err: unknown) => void;
}

/**
 * Sysctls of another network namespace: /proc/sys/net shows the reader's namespace, so this goes through programs
 * run by a namespace-bound runner. The reads of one pass (every key asked for in the same turn of the event loop)
 * share one `sysctl` process: each spawn counts against a change's latency. Writability is access(2) inside the
 * namespace (`find -writable`, as the /proc adapter does), asked once per key: a host-global knob such as
 * nf_conntrack_max is mode 0444 in a non-initial namespace, so it reads as read-only and is never planned. Refused
 * writes are remembered like the /proc adapter does. A value read within `maxAgeMs` answers again (a pass's observe
 * and its verify); a write through this adapter forgets the key's value first.
 */
export function createCommandSysctlAdapter(
  runner: CommandRunner,
  opts: { maxAgeMs?: number; now?: () => number } = {},
): SysctlPort {
  const refused = new Set<string>();
  const writable = new Map<string, boolean>();
  const recent = new Map<string, { at: number; value: string | undefined }>();
  const now = opts.now ?? Date.now;
  let pending: PendingRead[] = [];
  const answer = (key: string, value: string | undefined): SysctlValue =>
    value === undefined ? { writable: false } : { value, writable: !refused.has(key) && writable.get(key) === true };

  async function readAll(keys: readonly string[], signal: AbortSignal): Promise<Map<string, string>> {
    const values = parseSysctl((await runner.run('sysctl', [...keys], { signal })).stdout);
    const unknown = [...values.keys()].filter((k) => !writable.has(k));
    if (unknown.length > 0) {
      const paths = unknown.map(procPath);
      const found = await runner.run('find', [...paths, '-maxdepth', '0', '-writable'], { signal });
      const writablePaths = new Set(found.stdout.split('\n'));
      for (const [i, key] of unknown.entries()) writable.set(key, writablePaths.has(paths[i] ?? ''));
    }
    return values;
  }

  function flush(): void {
    const batch = pending;
    pending = [];
    const keys = [...new Set(batch.map((p) => p.key))];
    // The batch has a deadline of its own; each caller stops waiting on its own signal (abortable).
    const at = now();
    readAll(keys, AbortSignal.timeout(READ_DEADLINE_MS)).then(
      (values) => {
        for (const key of keys) recent.set(key, { at, value: values.get(key) });
        for (const p of batch) p.resolve(answer(p.key, values.get(p.key)));
      },
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }

  return {
    read(key, signal): Promise<SysctlValue> {
      if (!SYSCTL_KEY.test(key))
        return Promise.reject(new ControllerError('SysctlUnavailable', `not a sysctl key: ${key}`));
      const known = recent.get(key);
      if (known && now() - known.at < (opts.maxAgeMs ?? 1_000)) return Promise.resolve(answer(key, known.value));
      const read = new Promise<SysctlValue>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ key, resolve, reject });
      });
      return abortable(read, signal);
    },
    async write(key, value, signal): Promise<void> {
      recent.delete(key);
      const result = await runner.run('sysctl', ['-w', `${key}=${value}`], { signal });
      // procps exits 0 when the kernel refuses the value ("setting key ...: Invalid argument"): stderr tells.
      if (result.exitCode === 0 && result.stderr.trim() === '') return;
      if (REFUSED.test(result.stderr)) refused.add(key);
      throw new ControllerError('SysctlUnavailable', `cannot set ${key}=${value}: ${result.stderr.trim()}`);
    },
  };
}

/** sysctl prints every key it found as "key = value" (and exits non-zero when some key is missing). */
function parseSysctl(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(' = ');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 3).trim());
  }
  return values;
}

/** Dotted names only: a key is an argument of sysctl and find, so it must never look like an option. */
const SYSCTL_KEY = /^[a-z][\w.-]*$/i;

function procPath(key: string): string {
  return `/proc/sys/${key.split('.').join('/')}`;
}
