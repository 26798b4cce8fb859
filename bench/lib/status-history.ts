import { paginateGetParameterHistory, type SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_PREFIX } from '../../runtime/config.js';
import { gatewayPaths, statusPath } from '../../runtime/paths.js';
import { BENCH_GATEWAY } from './ssm.js';

/** One status write of the operator and what it changed compared with the write before it. */
export interface StatusWrite {
  version: number;
  at: string;
  /** JSON paths whose value differs from the previous version (all of them for the first). */
  changed: string[];
}

/**
 * The operator's status parameter history: with nothing changing, every write is a question (why did the status
 * "change"?), so the benchmark records which fields each write changed.
 */
export async function statusWrites(client: SSMClient, instanceId: string, sinceMs: number): Promise<StatusWrite[]> {
  const name = statusPath(gatewayPaths(DEFAULT_PREFIX, BENCH_GATEWAY), instanceId);
  const versions: { version: number; at: Date; value: unknown }[] = [];
  for await (const page of paginateGetParameterHistory({ client }, { Name: name })) {
    for (const p of page.Parameters ?? [])
      versions.push({
        version: p.Version ?? 0,
        at: p.LastModifiedDate ?? new Date(0),
        value: JSON.parse(p.Value ?? 'null') as unknown,
      });
  }
  versions.sort((a, b) => a.version - b.version);
  return versions
    .map((v, i) => ({
      version: v.version,
      at: v.at.toISOString(),
      atMs: v.at.getTime(),
      changed: i === 0 ? ['(first write)'] : changedPaths(versions[i - 1]?.value, v.value, ''),
    }))
    .filter((w) => w.atMs >= sinceMs)
    .map(({ version, at, changed }) => ({ version, at, changed }));
}

/** Leaf paths where a and b differ, with both values, e.g. `controllers.SourceNat.conditions.0.reason: "A" -> "B"`. */
export function changedPaths(a: unknown, b: unknown, path: string): string[] {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (!isRecord(a) || !isRecord(b)) {
    const [before, after] = [JSON.stringify(a) ?? 'absent', JSON.stringify(b) ?? 'absent'];
    const short = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
    return before === after ? [] : [`${path || '(root)'}: ${short(before)} -> ${short(after)}`];
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => changedPaths(a[k], b[k], path ? `${path}.${k}` : k));
}
