/** What the lab's client (ai-client.ts) reports of one chat completion it made through the gateway. */
export interface LabChatResult {
  content: string;
  /** The gateway's x-csgw-cache header: hit, miss or bypass (null: absent). */
  cache: string | null;
  promptTokens: number;
  completionTokens: number;
}

/** The stand-in's call count before the first request and after each of the two. */
export interface StandInCalls {
  before: number;
  afterFirst: number;
  afterRepeat: number;
}

/** The client's JSON line, checked field by field (its stdout is the only thing the lab learns from it). */
export function parseChatResult(stdout: string): LabChatResult {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const value = JSON.parse(line) as Partial<Record<keyof LabChatResult, unknown>>;
  const number = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
  const result = {
    content: typeof value.content === 'string' ? value.content : '',
    cache: typeof value.cache === 'string' ? value.cache : null,
    promptTokens: number(value.promptTokens),
    completionTokens: number(value.completionTokens),
  };
  if (Number.isNaN(result.promptTokens) || Number.isNaN(result.completionTokens))
    throw new Error(`the lab client printed no usage: ${line}`);
  return result;
}

export function chatLine(r: LabChatResult): string {
  const tokens = `${r.promptTokens} prompt + ${r.completionTokens} completion tokens`;
  return `answer ${JSON.stringify(r.content)} (x-csgw-cache: ${r.cache ?? 'absent'}, ${tokens})`;
}

/**
 * Why the two answers do not show the cache at work (undefined: they do): the first must be a miss the stand-in
 * answered once, the repeat a hit with the same answer that never reached the stand-in.
 */
export function cacheProblem(first: LabChatResult, repeat: LabChatResult, calls: StandInCalls): string | undefined {
  if (first.cache !== 'miss') return `the first request was not a cache miss (x-csgw-cache: ${first.cache})`;
  if (calls.afterFirst !== calls.before + 1)
    return `the first request should reach the stand-in once; its calls went ${calls.before} -> ${calls.afterFirst}`;
  if (repeat.cache !== 'hit') return `the repeat was not a cache hit (x-csgw-cache: ${repeat.cache})`;
  if (repeat.content !== first.content) return 'the cached answer differs from the first one';
  if (calls.afterRepeat !== calls.afterFirst)
    return `the repeat reached the stand-in; its calls went ${calls.afterFirst} -> ${calls.afterRepeat}`;
  return undefined;
}

/** True once `csgw ai usage -o json` counts at least `requests` calls and some money saved by the cache. */
export function usageCounted(json: string, requests: number): boolean {
  const total = (JSON.parse(json) as { total?: { requests?: unknown; savedUsd?: unknown } }).total;
  return Number(total?.requests) >= requests && Number(total?.savedUsd) > 0;
}
