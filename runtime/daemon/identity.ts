import { basename } from 'node:path';
import type { ProcessIdentity } from './types.js';

/**
 * The state and start time from the text of /proc/<pid>/stat. The command name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseStat(stat: string): { state: string; startTime: string } | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const state = rest[0];
  const startTime = rest[19];
  return state && startTime && /^\d+$/.test(startTime) ? { state, startTime } : undefined;
}

/** /proc/<pid>/cmdline: NUL-separated arguments, with a trailing NUL. */
export function parseCmdline(text: string): string[] {
  return text.split('\0').slice(0, text.endsWith('\0') ? -1 : undefined);
}

/**
 * Whether argv is the command the kit started: every argument as given, the program by its file name (a launcher
 * such as pyenv's shim execs `python3` by its full path), possibly after a wrapper (`ip netns exec <ns>`) that has not
 * exec'd the daemon yet. Never the program name alone: `python3 -m a` is not `python3 -m b`.
 */
export function runsArgv(expected: readonly string[], argv: readonly string[]): boolean {
  if (expected.length === 0 || argv.length < expected.length) return false;
  const tail = argv.slice(argv.length - expected.length);
  return tail.every((a, i) => (i === 0 ? basename(a) === basename(expected[0]!) : a === expected[i]));
}

/**
 * Whether `seen` (what /proc says now) is the process recorded: same pid, same start time (a recycled pid has
 * another), and still the command it was started with.
 */
export function sameProcess(recorded: ProcessIdentity, seen: ProcessIdentity | undefined): boolean {
  return (
    seen !== undefined &&
    seen.pid === recorded.pid &&
    seen.startTime === recorded.startTime &&
    runsArgv(recorded.argv, seen.argv)
  );
}
