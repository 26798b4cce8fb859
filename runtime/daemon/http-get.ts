import type { CommandRunner } from '../ports.js';

export type HttpGetResult = { ok: true; body: string } | { ok: false; error: string };

/**
 * GET a daemon's own HTTP endpoint (/status, /metrics, /v1/models) through the command runner, so from inside the
 * managed namespace: curl bounded to 2 s and maxBytes, never through a proxy. The error is one line, fit for status.
 */
export async function httpGet(
  runner: CommandRunner,
  url: string,
  signal: AbortSignal,
  maxBytes: number,
): Promise<HttpGetResult> {
  const args = ['-sS', '--fail', '--max-time', '2', '--max-filesize', String(maxBytes), '--noproxy', '*', url];
  const r = await runner
    .run('curl', args, { signal })
    .catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
  if (r.exitCode !== 0) return { ok: false, error: `GET ${url}: ${oneLine(r.stderr) || `curl exit ${r.exitCode}`}` };
  return { ok: true, body: r.stdout };
}

/** Control characters and line breaks folded into spaces: status documents and condition messages are one line. */
export function oneLine(s: string): string {
  return s.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}
