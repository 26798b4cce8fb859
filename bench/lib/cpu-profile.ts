/**
 * Where a `node --cpu-prof` profile's time went: self time summed by function and by file (or by a bucket that
 * names what the time was: GC, idle, program = V8/native work outside JS, node internals). Used to explain the AI
 * gateway benchmark's numbers; `node dist/bench/cpu-profile-top.js <file.cpuprofile>` prints it.
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: ProfileShare[];
  byFile: ProfileShare[];
}

/** A file's short name: the part after node_modules/ or dist/, `node:` internals as they are, GC and friends named. */
export function fileBucket(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

/** Self time per function and per file; `top` rows of each, biggest first. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += us;
    const bucket = fileBucket(url, functionName);
    const name = `${functionName || '(anonymous)'} ${url ? `${bucket}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    file.set(bucket, (file.get(bucket) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>): ProfileShare[] =>
    [...m.entries()]
      .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle) '))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busy > 0 ? (us / busy) * 100 : 0 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, byFunction: rank(fn), byFile: rank(file) };
}
