import type { CommandRunner } from '../ports.js';
import { httpGet } from './http-get.js';
import type { HealthResult, PreflightCheck, ReadinessProbe } from './definition.js';
import type { Socket } from './types.js';
import { isWildcard, listensOn, parseAddresses, parseListeners, type Listener } from './sockets.js';

/**
 * Readiness probes and pre-flight checks, run through the command runner so they see the managed network namespace
 * (the runner prefixes `ip netns exec` there); never a shell.
 */
export class HostProbes {
  constructor(private readonly runner: CommandRunner) {}

  async ready(probe: ReadinessProbe, signal: AbortSignal): Promise<HealthResult> {
    try {
      if ('tcp' in probe) return await this.tcp(probe.tcp.host, probe.tcp.port, signal);
      if ('http' in probe) return await this.http(probe.http.url, probe.http.fromAddress, signal);
      if ('openaiModel' in probe)
        return await this.openaiModel(probe.openaiModel.baseUrl, probe.openaiModel.model, signal);
      const [file, ...args] = probe.command;
      const r = await this.runner.run(file!, args, { signal });
      return r.exitCode === 0
        ? { ok: true, message: `${file} succeeded` }
        : { ok: false, message: `${file} exited with ${r.exitCode}` };
    } catch (err) {
      if (signal.aborted) throw err;
      return { ok: false, message: `probe failed: ${(err as Error).message}` };
    }
  }

  /** The problems the checks find, empty when the revision may go live. `ours`: the daemon's running process. */
  async preflight(checks: readonly PreflightCheck[], ours: Ours | undefined, signal: AbortSignal): Promise<string[]> {
    if (checks.length === 0) return [];
    const problems: string[] = [];
    const needs = (k: 'localAddress' | 'portAvailable'): boolean => checks.some((c) => k in c);
    const local = needs('localAddress') ? await this.addresses(signal) : [];
    const listeners = needs('portAvailable') ? await this.listeners(signal) : [];
    for (const c of checks) {
      if ('localAddress' in c && !isWildcard(c.localAddress) && !local.includes(c.localAddress))
        problems.push(`${c.localAddress} is not an address of this host (it has ${local.join(', ') || 'none'})`);
      if ('portAvailable' in c) {
        const { host, port } = c.portAvailable;
        const other = listeners.find((l) => listensOn(l, host, port) && !isOurs(l, ours));
        if (other) problems.push(`port ${port} is already in use (${other.host}:${other.port}${holders(other)})`);
      }
    }
    return problems;
  }

  private async tcp(host: string, port: number, signal: AbortSignal): Promise<HealthResult> {
    const found = (await this.listeners(signal)).some((l) => listensOn(l, host, port));
    return found
      ? { ok: true, message: `listening on ${host}:${port}` }
      : { ok: false, message: `nothing listens on ${host}:${port}` };
  }

  private async http(url: string, from: string | undefined, signal: AbortSignal): Promise<HealthResult> {
    const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', '--noproxy', '*'];
    if (from) args.push('--interface', from);
    const r = await this.runner.run('curl', [...args, url], { signal });
    const code = Number(r.stdout.trim()) || 0;
    return code >= 200 && code < 400
      ? { ok: true, message: `answering on ${new URL(url).host}` }
      : { ok: false, message: `no answer on ${new URL(url).host} (curl exit ${r.exitCode}, HTTP ${code || 'none'})` };
  }

  /** Up (/health) is not ready: vLLM answers /health before the model shows in /v1/models only on some versions. */
  private async openaiModel(baseUrl: string, model: string, signal: AbortSignal): Promise<HealthResult> {
    const health = await this.http(`${baseUrl}/health`, undefined, signal);
    if (!health.ok) return health;
    const models = await httpGet(this.runner, `${baseUrl}/v1/models`, signal, 1_000_000);
    if (!models.ok) return { ok: false, message: models.error };
    return listsModel(models.body, model)
      ? { ok: true, message: `serving ${model} on ${new URL(baseUrl).host}` }
      : { ok: false, message: `up on ${new URL(baseUrl).host}, but ${model} is not in /v1/models yet` };
  }

  private async listeners(signal: AbortSignal): Promise<Listener[]> {
    const r = await this.runner.run('ss', ['-Hltnp'], { signal });
    if (r.exitCode !== 0) throw new Error(`ss exited with ${r.exitCode}: ${r.stderr.trim()}`);
    return parseListeners(r.stdout);
  }

  private async addresses(signal: AbortSignal): Promise<string[]> {
    const r = await this.runner.run('ip', ['-j', 'addr', 'show'], { signal });
    if (r.exitCode !== 0) throw new Error(`ip addr exited with ${r.exitCode}: ${r.stderr.trim()}`);
    return parseAddresses(r.stdout);
  }
}

/** The running daemon: its pid, and the sockets its revision listens on. */
export interface Ours {
  pid: number;
  /** Unknown for a daemon recorded by an older operator: an unnamed socket then gets the benefit of the doubt. */
  listens?: readonly Socket[];
}

/** A socket of ours: held by our pid, or (when ss cannot name its process) one our running revision listens on. */
function isOurs(l: Listener, ours: Ours | undefined): boolean {
  if (!ours) return false;
  if (l.pids.length > 0) return l.pids.includes(ours.pid);
  if (!ours.listens) return true;
  return ours.listens.some(
    (o) => o.port === l.port && (o.host === l.host || (isWildcard(o.host) && isWildcard(l.host))),
  );
}

function holders(l: Listener): string {
  return l.pids.length > 0 ? ` by pid ${l.pids.join(', ')}` : '';
}

/** Whether an OpenAI `/v1/models` list names the model. */
export function listsModel(body: string, model: string): boolean {
  try {
    const data = (JSON.parse(body) as { data?: unknown }).data;
    return Array.isArray(data) && data.some((m) => (m as { id?: unknown } | null)?.id === model);
  } catch {
    return false;
  }
}
