import { setTimeout as delay } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { inNs } from '../../lab/topology.js';
import type { Cleanup } from './cleanup.js';

/** A long-running server inside a namespace (`ip netns exec` execs it, so the child's pid is the server's own). */
export interface NsProcess {
  pid: number;
  stop(): Promise<void>;
}

/** Waits until something listens on TCP `port` in `ns` (`ss -Hltn`), or throws after `timeoutMs`. */
export async function waitListening(ns: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await execa('ip', ['netns', 'exec', ns, 'ss', '-Hltn', 'sport', '=', `:${port}`], { reject: false });
    if (r.exitCode === 0 && r.stdout.trim() !== '') return;
    await delay(50);
  }
  throw new Error(`nothing listens on ${ns} port ${port} after ${timeoutMs} ms`);
}

/**
 * Starts argv in `ns`, waits for it to listen on `port`, and registers its stop (SIGTERM, SIGKILL after 3 s).
 * Its output is kept for the error message when it exits early.
 */
export async function startInNs(
  cleanup: Cleanup,
  name: string,
  ns: string,
  argv: string[],
  port: number,
): Promise<NsProcess> {
  const [file = '', ...args] = inNs(ns, argv);
  const child: ResultPromise = execa(file, args, { reject: false, all: true, stdin: 'ignore' });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await child;
      clearTimeout(timer);
    })());
  cleanup.add(`stop ${name}`, stop);
  const exited = child.then((r) => {
    throw new Error(`${name} exited (${r.exitCode ?? r.signal}) before listening: ${String(r.all).slice(0, 500)}`);
  });
  // Handled here too: after a normal start the stop makes it reject, and nobody awaits it any more.
  exited.catch(() => undefined);
  await Promise.race([waitListening(ns, port), exited]);
  return { pid: child.pid ?? -1, stop };
}
