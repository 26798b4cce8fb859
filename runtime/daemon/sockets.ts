/** Pure readers of `ss -Hltnp` and `ip -j addr show` output: what listens, and which addresses are local. */

export interface Listener {
  host: string;
  port: number;
  /** The processes holding the socket (only those ss may see: all of them as root). */
  pids: number[];
}

const WILDCARDS = new Set(['0.0.0.0', '*', '::']);

/** One listener per line of `ss -Hltnp`: `LISTEN 0 128 10.0.0.5:3128 0.0.0.0:* users:(("squid",pid=42,fd=9))`. */
export function parseListeners(output: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of output.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    const at = local?.lastIndexOf(':') ?? -1;
    if (!local || at < 0) continue;
    const host = local
      .slice(0, at)
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
    const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    listeners.push({ host, port: Number(local.slice(at + 1)), pids });
  }
  return listeners;
}

/** Whether a listener takes connections to host:port (a wildcard listener takes every address). */
export function listensOn(l: Listener, host: string, port: number): boolean {
  return l.port === port && (l.host === host || WILDCARDS.has(l.host) || WILDCARDS.has(host));
}

export function isWildcard(host: string): boolean {
  return WILDCARDS.has(host);
}

/** The local addresses in `ip -j addr show` output. */
export function parseAddresses(json: string): string[] {
  const links = JSON.parse(json) as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : [])));
}
