/**
 * One line of text-mode `nft monitor` (nft 1.0.6): each event of a transaction (`add element inet t s { ... }`), then
 * `# new generation 4 by process 3862 (nft)` once the transaction commits. Only the first tokens are read: a full
 * apply of 20k elements prints 20k lines, and the rest of a line says nothing about which table it touched.
 */
export type MonitorLine = { kind: 'change'; table: string } | { kind: 'generation'; pid?: number };

const VERBS: ReadonlySet<string> = new Set([
  'add',
  'insert',
  'replace',
  'update',
  'delete',
  'destroy',
  'flush',
  'reset',
]);
const FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const GENERATION = /^# new generation \d+(?: by process (\d+))?/;

/** The table key (`family name`) a change touched, a committed generation, or undefined for anything else. */
export function parseMonitorLine(line: string): MonitorLine | undefined {
  if (line.startsWith('#')) {
    const m = GENERATION.exec(line);
    if (!m) return undefined;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    return pid !== undefined && Number.isSafeInteger(pid) ? { kind: 'generation', pid } : { kind: 'generation' };
  }
  // `<verb> <object> <family> <table> ...`, for tables themselves as for what they hold.
  const [verb, , family, table] = firstTokens(line, 4);
  if (verb === undefined || table === undefined || !VERBS.has(verb) || !FAMILIES.has(family!)) return undefined;
  return { kind: 'change', table: tableKey(family!, unquote(table)) };
}

export const tableKey = (family: string, name: string): string => `${family} ${name}`;

function firstTokens(line: string, count: number): string[] {
  const tokens: string[] = [];
  let start = 0;
  while (tokens.length < count && start < line.length) {
    const end = line.indexOf(' ', start);
    const stop = end === -1 ? line.length : end;
    if (stop > start) tokens.push(line.slice(start, stop));
    start = stop + 1;
  }
  return tokens;
}

function unquote(name: string): string {
  return name.length >= 2 && name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name;
}
