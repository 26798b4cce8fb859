import { parseArgs } from 'node:util';

/** Parses `--name value` flags with defaults; every flag is a string, converted by the helpers below. */
export function parseFlags<K extends string>(
  defaults: Record<K, string>,
  argv = process.argv.slice(2),
): Record<K, string> {
  const options = Object.fromEntries(
    Object.entries<string>(defaults).map(([name, value]) => [name, { type: 'string' as const, default: value }]),
  );
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  return values as Record<K, string>;
}

export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

/** "1,10" -> [1, 10] */
export function numberList(flag: string, value: string): number[] {
  return value.split(',').map((v) => positiveNumber(flag, v.trim()));
}
