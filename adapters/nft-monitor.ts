import type { Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { MonitorTracker } from '../runtime/nft/monitor-tracker.js';
import type { TableWatch } from '../runtime/ports.js';

export interface NftMonitorOptions {
  /** The monitor's argv: `nft monitor`, inside the managed namespace when there is one (inNetns). */
  argv: readonly string[];
  /** How long a fresh monitor runs before its silence is trusted: it subscribes within milliseconds of starting. */
  settleMs?: number;
  /** Restart delays after the monitor exits: doubling from first up to max, reset by a run that lasted a minute. */
  backoffMs?: { first: number; max: number };
  /** How long after a foreign change the watch emits (one transaction's lines arrive together). */
  debounceMs?: number;
  /** Runs in a row that end early (a crash, an error, garbage) before the monitor is given up for listing. */
  maxFailedRuns?: number;
}

export interface NftMonitor {
  /** Our own nft commit spawned with this pid: its generation is not a foreign change. */
  ownCommit(pid: number): void;
  /** Starts the monitor with the first watch and stops it with the last. */
  watch(family: string, name: string): TableWatch;
}

const HEALTHY_RUN_MS = 60_000;
/**
 * Longer lines are garbage: nft 1.0.6 prints elements of concatenated interval sets out of freed memory (kilobytes of
 * hex per element, or a segfault). Parsing needs only a line's first tokens, so it is cut off there instead.
 */
const MAX_LINE = 16 * 1024;
const SPAWN = { buffer: false, stdin: 'ignore', reject: false } as const;

/**
 * One long-lived `nft monitor` per namespace, read line by line. Lost events (nft reports ENOBUFS and other errors
 * on stderr), an exit, or a restart make every watched table changed, so each is listed again in full; while the
 * monitor is down the watches are not live and the tables are listed every pass.
 */
export function createNftMonitor(opts: NftMonitorOptions): NftMonitor {
  const tracker = new MonitorTracker(opts.debounceMs ?? 50);
  const backoff = opts.backoffMs ?? { first: 500, max: 30_000 };
  let child: ResultPromise<typeof SPAWN> | undefined;
  let restart: NodeJS.Timeout | undefined;
  let delay = backoff.first;

  let failedRuns = 0;

  const start = (): void => {
    restart = undefined;
    const [file, ...args] = opts.argv;
    const startedAt = Date.now();
    const proc = execa(file!, args, SPAWN);
    child = proc;
    let garbage = false;
    // The monitor never keeps the process alive on its own (`csgw diff` observes once and exits); execa kills it then.
    proc.unref();
    for (const stream of [proc.stdout, proc.stderr]) (stream as Partial<Socket>).unref?.();
    const settle = setTimeout(() => tracker.setLive(true), opts.settleMs ?? 250);
    settle.unref();
    readLines(
      proc.stdout,
      (line) => tracker.line(line),
      () => {
        garbage = true;
        proc.kill();
      },
    );
    proc.stderr.on('data', () => tracker.lost());
    void proc.then((result) => {
      clearTimeout(settle);
      if (child !== proc) return;
      child = undefined;
      tracker.setLive(false);
      const healthy = Date.now() - startedAt >= HEALTHY_RUN_MS && !garbage && !result.signal;
      failedRuns = healthy ? 0 : failedRuns + 1;
      // A monitor that keeps breaking (nft 1.0.6 on concatenated interval sets) is given up: the tables are listed.
      if (failedRuns >= (opts.maxFailedRuns ?? 3)) return;
      delay = healthy ? backoff.first : delay;
      restart = setTimeout(start, delay);
      restart.unref();
      delay = Math.min(delay * 2, backoff.max);
    });
  };

  const stopIfUnwatched = (): void => {
    if (tracker.watching > 0) return;
    if (restart) clearTimeout(restart);
    restart = undefined;
    const proc = child;
    child = undefined;
    tracker.setLive(false);
    proc?.kill();
  };

  return {
    ownCommit: (pid) => tracker.ownCommit(pid),
    watch(family, name) {
      const watch = tracker.watch(family, name, stopIfUnwatched);
      if (!child && !restart) start();
      return watch;
    },
  };
}

/** Splits a stream into lines; a line over MAX_LINE calls onGarbage once and stops the reading. */
function readLines(input: NodeJS.ReadableStream, onLine: (line: string) => void, onGarbage: () => void): void {
  let partial = '';
  let broken = false;
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    if (broken) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.length <= MAX_LINE) onLine(line);
    if (partial.length > MAX_LINE || lines.some((l) => l.length > MAX_LINE)) {
      broken = true;
      onGarbage();
    }
  });
}
