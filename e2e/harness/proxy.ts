// A forward proxy (Squid) in the gateway, seen from the test hosts: curl through it (plain requests and CONNECT
// tunnels), a download left running in the background, and the proxy's own traces in the gateway: its access log and
// its pid file.
import { waitFor } from '../../testing/wait.js';
import type { Role, Topology } from './topology.js';

/** Where the ForwardProxy controller keeps squid's access log (native format) inside the gateway. */
export const SQUID_ACCESS_LOG = '/var/lib/csgw/squid/logs/access.log';
/** squid's pid file inside the gateway: the pid of the process the controller supervises. */
export const SQUID_PID_FILE = '/var/lib/csgw/squid/run/squid.pid';

/** Where curl sends its requests: the proxy, and the Basic credentials to present (none when user is unset). */
export interface ProxyEndpoint {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

export interface ProxyCurlOptions {
  /** Where curl runs (default the client). */
  from?: Role;
  /** curl --max-time (default 5). */
  maxTimeSec?: number;
  /** CONNECT to the URL's host:port first (curl --proxytunnel), then send the request through the tunnel. */
  tunnel?: boolean;
  /** Keep the response body in `body` (default true); false discards it (-o /dev/null), for big downloads. */
  keepBody?: boolean;
}

/** One curl through the proxy: curl's own view of it (its -w variables), plus its exit code and stderr. */
export interface ProxyCurlResult {
  /** Final HTTP status (curl %{http_code}); 0 when no response came (e.g. a refused CONNECT). */
  httpCode: number;
  /** Status of the proxy's answer to CONNECT (curl %{http_connect}); 0 without a tunnel. */
  proxyCode: number;
  /** Body bytes received (%{size_download}). */
  bytes: number;
  /** Whole transfer (%{time_total}). */
  seconds: number;
  /** Average body bytes per second (%{speed_download}). */
  bytesPerSecond: number;
  exitCode: number;
  stderr: string;
  /** The response body ('' with keepBody false). */
  body: string;
}

const WRITE_OUT_MARK = '\n--csgw-curl--';
const WRITE_OUT = `${WRITE_OUT_MARK}%{http_code} %{http_connect} %{size_download} %{time_total} %{speed_download}\n`;

/** The proxy on the gateway's private address, as the client reaches it, with or without credentials. */
export function gatewayProxy(
  topology: Topology,
  port: number,
  credentials?: [user: string, password: string],
): ProxyEndpoint {
  const [user, password] = credentials ?? [];
  return { host: topology.gatewayPrivateIp, port, ...(user === undefined ? {} : { user, password }) };
}

/** curl's argv for one request through the proxy; the -w line lets parseProxyCurl read what happened. */
export function proxyCurlArgs(proxy: ProxyEndpoint, url: string, opts: ProxyCurlOptions = {}): string[] {
  return [
    'curl',
    '-sS',
    '--max-time',
    String(opts.maxTimeSec ?? 5),
    '--proxy',
    `http://${proxy.host}:${proxy.port}`,
    ...(proxy.user === undefined ? [] : ['--proxy-user', `${proxy.user}:${proxy.password ?? ''}`]),
    ...(opts.tunnel ? ['--proxytunnel'] : []),
    ...(opts.keepBody === false ? ['-o', '/dev/null'] : []),
    '-w',
    WRITE_OUT,
    url,
  ];
}

/** Reads curl's stdout (body, then the -w line) into a result; missing numbers (curl never ran) are 0. */
export function parseProxyCurl(run: { exitCode: number; stdout: string; stderr: string }): ProxyCurlResult {
  const at = run.stdout.lastIndexOf(WRITE_OUT_MARK);
  const body = at < 0 ? run.stdout : run.stdout.slice(0, at);
  const fields =
    at < 0
      ? []
      : run.stdout
          .slice(at + WRITE_OUT_MARK.length)
          .trim()
          .split(/\s+/);
  const field = (i: number): number => Number(fields[i] ?? 0) || 0;
  return {
    httpCode: field(0),
    proxyCode: field(1),
    bytes: field(2),
    seconds: field(3),
    bytesPerSecond: field(4),
    exitCode: run.exitCode,
    stderr: run.stderr,
    body,
  };
}

/**
 * GET `url` through the proxy from `opts.from` (default the client). The proxy resolves the URL's host name (curl
 * never does with an HTTP proxy), so names only the gateway knows (createTopology's gatewayHosts) work. With
 * `tunnel`, curl sends CONNECT host:port and, once the proxy answers 200, the plain HTTP request inside the tunnel: a
 * plain-HTTP echo server on 443 then looks like an HTTPS site to the proxy.
 */
export async function curlViaProxy(
  topology: Topology,
  proxy: ProxyEndpoint,
  url: string,
  opts: ProxyCurlOptions = {},
): Promise<ProxyCurlResult> {
  return parseProxyCurl(await topology.exec(opts.from ?? 'client', proxyCurlArgs(proxy, url, opts)));
}

/**
 * A curl through the proxy left running in the background (detached in its host): the body goes to a file whose
 * size shows the download is in flight, and finished() gives curl's result once it exits. For "this download
 * survives that change".
 */
export class ProxyDownload {
  private constructor(
    private readonly topology: Topology,
    private readonly role: Role,
    private readonly dir: string,
  ) {}

  /** Starts curl (keepBody is ignored: the body goes to a file) and resolves once it runs. */
  static async start(
    topology: Topology,
    proxy: ProxyEndpoint,
    url: string,
    opts: ProxyCurlOptions = {},
  ): Promise<ProxyDownload> {
    const role = opts.from ?? 'client';
    const dir = `/tmp/proxy-download-${Date.now()}-${Math.random().toString(16).slice(2)}`;
    const argv = proxyCurlArgs(proxy, url, { ...opts, keepBody: true });
    const curl = [...argv.slice(0, -1), '-o', `${dir}/body`, url];
    // $1: the directory; the rest: curl's argv. Every stream redirected, so the exec returns at once.
    const script = 'd="$1"; shift; ( "$@" >"$d/meta" 2>"$d/err"; echo $? >"$d/rc" ) </dev/null >/dev/null 2>&1 &';
    const started = await topology.exec(role, ['sh', '-c', `mkdir -p "$1" && ${script}`, 'sh', dir, ...curl]);
    if (started.exitCode !== 0) throw new Error(`download of ${url} did not start: ${started.stderr}`);
    return new ProxyDownload(topology, role, dir);
  }

  /** Body bytes written so far (0 before the first). */
  async received(): Promise<number> {
    const out = await this.topology.exec(this.role, [
      'sh',
      '-c',
      'stat -c %s "$1" 2>/dev/null || echo 0',
      'sh',
      `${this.dir}/body`,
    ]);
    return Number(out.stdout.trim()) || 0;
  }

  /** Resolves with the byte count once more than `bytes` arrived, or throws after timeoutMs. */
  async receivedMoreThan(bytes: number, timeoutMs = 10_000): Promise<number> {
    return waitFor(
      async () => {
        const now = await this.received();
        return now > bytes && now;
      },
      { timeoutMs, intervalMs: 100, what: `more than ${bytes} bytes of the background download` },
    );
  }

  /** curl's result once it exited (body is empty: it went to a file), or throws after timeoutMs. */
  async finished(timeoutMs = 60_000): Promise<ProxyCurlResult> {
    const rc = await waitFor(
      async () => {
        const out = await this.topology.exec(this.role, ['cat', `${this.dir}/rc`]);
        return out.exitCode === 0 && out.stdout.trim() !== '' && Number(out.stdout.trim());
      },
      { timeoutMs, intervalMs: 200, what: 'the background download to finish' },
    );
    const read = async (name: string): Promise<string> =>
      (await this.topology.exec(this.role, ['cat', `${this.dir}/${name}`])).stdout;
    return { ...parseProxyCurl({ exitCode: rc, stdout: await read('meta'), stderr: await read('err') }), body: '' };
  }
}

/** One line of squid's native access log. */
export interface AccessLogEntry {
  /** Unix time in seconds (with milliseconds) when the transaction ended. */
  time: number;
  elapsedMs: number;
  client: string;
  /** Squid's result code: TCP_MISS, TCP_HIT, TCP_MEM_HIT, TCP_DENIED, TCP_TUNNEL, ... */
  action: string;
  /** HTTP status sent to the client (0 when none). */
  status: number;
  bytes: number;
  method: string;
  /** The URL, or host:port for CONNECT. */
  url: string;
  /** '-' when the request carried no (accepted) credentials. */
  user: string;
  /** HIER_DIRECT/<address>, HIER_NONE/-, ... */
  hierarchy: string;
  contentType: string;
  line: string;
}

/** Parses `time elapsed client action/status bytes method url user hierarchy/from type`; undefined otherwise. */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return undefined;
  const [time, elapsed, client, result = '', bytes, method = '', url = '', user = '', hierarchy = ''] = f;
  const [action = '', status] = result.split('/');
  const entry = {
    time: Number(time),
    elapsedMs: Number(elapsed),
    client: client ?? '',
    action,
    status: Number(status),
    bytes: Number(bytes),
    method,
    url,
    user,
    hierarchy,
    contentType: f.slice(9).join(' '),
    line,
  };
  return Number.isFinite(entry.time) && Number.isFinite(entry.status) ? entry : undefined;
}

/**
 * Whether an access log URL is `url`: squid logs it whole, or (strip_query_terms on, its default) cut after the '?',
 * so `http://h/cacheable?id=1` is logged as `http://h/cacheable?`. Tell requests apart by path where it matters.
 */
export function loggedUrlIs(logged: string, url: string): boolean {
  const query = url.indexOf('?');
  return logged === url || (query >= 0 && logged === url.slice(0, query + 1));
}

/** The access log's entries so far ([] while the file does not exist). Runs as root in the gateway. */
export async function readAccessLog(topology: Topology, path = SQUID_ACCESS_LOG): Promise<AccessLogEntry[]> {
  const out = await topology.exec('gateway', ['cat', path]);
  if (out.exitCode !== 0) return [];
  return out.stdout.split('\n').flatMap((line) => parseAccessLogLine(line) ?? []);
}

/** The pid in squid's pid file in the gateway, or undefined when there is no (readable, numeric) pid file. */
export async function squidPid(topology: Topology, pidFile = SQUID_PID_FILE): Promise<number | undefined> {
  const out = await topology.exec('gateway', ['cat', pidFile]);
  const pid = Number(out.stdout.trim());
  return out.exitCode === 0 && Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Whether `pid` is a live process in the gateway (a zombie, killed but not yet reaped, is not). */
export async function gatewayProcessAlive(topology: Topology, pid: number): Promise<boolean> {
  const out = await topology.exec('gateway', ['cat', `/proc/${pid}/stat`]);
  // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'.
  const state = out.stdout
    .slice(out.stdout.lastIndexOf(')') + 1)
    .trim()
    .split(' ')[0];
  return out.exitCode === 0 && state !== undefined && state !== 'Z' && state !== 'X';
}

/** The pid of the running squid (pid file names a live process), or undefined. */
export async function runningSquidPid(topology: Topology, pidFile = SQUID_PID_FILE): Promise<number | undefined> {
  const pid = await squidPid(topology, pidFile);
  return pid !== undefined && (await gatewayProcessAlive(topology, pid)) ? pid : undefined;
}

/** Waits until the pid file names a live squid other than `previous` (a restart), and returns its pid. */
export function waitForSquidRestart(
  topology: Topology,
  previous: number,
  opts: { timeoutMs?: number; pidFile?: string } = {},
): Promise<number> {
  return waitFor(
    async () => {
      const pid = await runningSquidPid(topology, opts.pidFile);
      return pid !== undefined && pid !== previous && pid;
    },
    { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100, what: `squid to restart (pid other than ${previous})` },
  );
}

/**
 * kill -9 of the squid named by the pid file (a crash: no clean shutdown, the pid file stays behind); resolves with
 * that pid once the process is gone. Throws when no live squid is there to kill.
 */
export async function killSquid(topology: Topology, pidFile = SQUID_PID_FILE): Promise<number> {
  const pid = await runningSquidPid(topology, pidFile);
  if (pid === undefined) throw new Error(`no running squid: ${pidFile} names no live process`);
  const killed = await topology.exec('gateway', ['kill', '-9', String(pid)]);
  if (killed.exitCode !== 0) throw new Error(`kill -9 ${pid} failed: ${killed.stderr}`);
  await waitFor(async () => !(await gatewayProcessAlive(topology, pid)), {
    timeoutMs: 5_000,
    intervalMs: 50,
    what: `squid ${pid} to die`,
  });
  return pid;
}
