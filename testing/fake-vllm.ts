/**
 * A fake of vLLM's OpenAI-compatible server (`vllm serve`), for tests and the LocalModel controller's supervision
 * path (see fake-vllm-main.ts for the executable). It has no model: chat answers `local: <last user text>` and
 * completions `local: <prompt>`, one token a word; a pooling server (`--task embed`) answers embeddings from the
 * deterministic test embedder. What it keeps faithful is what a client and a supervisor see of vLLM:
 * - the routes: GET /health (200, empty), GET /v1/models (vLLM's cards), POST /v1/chat/completions and
 *   /v1/completions (streamed or not, with a final usage chunk on `stream_options.include_usage`) or
 *   /v1/embeddings, GET /metrics with vLLM's metric names; a wrong model gets vLLM's 404 error body (current vLLM's
 *   `{"error":{"message","type":"NotFoundError","param":null,"code":404}}`; older releases put these fields at the
 *   top level with `"object":"error"`), an unknown route FastAPI's `{"detail":"Not Found"}`, and with `--api-key`
 *   the /v1 routes want the bearer key (401);
 * - capacity: `--max-num-seqs` requests generate at once, the others wait in a FIFO (a waiting request whose client
 *   leaves is dropped), as `vllm:num_requests_running`/`_waiting` and a KV cache use of running/max-num-seqs show;
 * - timing: a stream's headers leave with its first token, so before it a client has no byte at all;
 * - faults (VllmFault) for the next N calls or all calls: refuse connections, a status before any byte, hang, die
 *   mid-stream, a slow first token.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { CallLog, pause, readBody, sendJson } from './fake-upstream-common.js';
import { DEFAULT_VLLM_ARGS, type VllmArgs } from './fake-vllm-args.js';
import { handleControl } from './fake-vllm-control.js';
import { Connections, Listener } from './fake-vllm-net.js';
import { FaultBook, SeqScheduler, VllmCounters, type VllmCtx, type VllmFault } from './fake-vllm-engine.js';
import { sendVllmError } from './fake-vllm-generate.js';
import { metricsText } from './fake-vllm-metrics.js';
import { apiRoutes, modelList, servedName } from './fake-vllm-routes.js';

export type { VllmFault } from './fake-vllm-engine.js';

export interface FakeVllmOptions {
  /** The command line's settings (parseVllmArgs); unset ones as `vllm serve fake-model`, but on 127.0.0.1:0. */
  args?: Partial<VllmArgs>;
  /** Time to a request's first token once it runs (and to an embedding's vectors). */
  firstTokenMs?: number;
  /** Time between tokens. */
  tokenMs?: number;
  /** Serve the control API under /fake/ (fake-vllm-control.ts). */
  control?: boolean;
  /**
   * What a `dieMidStream` fault does once its tokens are out. By default the fake stops listening and drops every
   * connection, as a killed process would (listen() brings it back, with its counters); the executable exits 1.
   */
  onDie?: () => void;
  /** One line per request, uvicorn's access log (method, path, status; never a prompt). */
  logLine?: (line: string) => void;
}

export interface FakeVllmStats {
  /** Requests that reached a generation or embedding route. */
  calls: number;
  /** Requests answered to their end. */
  completed: number;
  /** Requests whose client went away first, waiting or running. */
  disconnects: number;
  /** The most requests that ever ran at once. */
  maxRunning: number;
  running: number;
  waiting: number;
  /** False while refusing connections or dead. */
  listening: boolean;
}

export interface FakeVllm {
  /** The OpenAI base URL: `http://host:port/v1`. */
  url: string;
  /** `http://host:port`, for /health and /metrics. */
  origin: string;
  port: number;
  args: VllmArgs;
  log: CallLog;
  stats(): FakeVllmStats;
  /** A fault for the next `calls` calls, or for every call until clearFaults(); `refuse` starts refusing now. */
  setFault(fault: VllmFault, calls?: number): Promise<void>;
  /** Clears every fault and, when refusing, listens again. */
  clearFaults(): Promise<void>;
  setTiming(timing: { firstTokenMs?: number; tokenMs?: number }): void;
  /** Listens again on the same port (after a refusal or a death). */
  listen(): Promise<void>;
  /** Stops listening, lets requests finish for up to `drainMs`, then drops every connection. */
  close(drainMs?: number): Promise<void>;
}

export async function startFakeVllm(opts: FakeVllmOptions = {}): Promise<FakeVllm> {
  const args: VllmArgs = {
    ...DEFAULT_VLLM_ARGS,
    model: 'fake-model',
    servedModelNames: [],
    ignored: [],
    ...opts.args,
    host: opts.args?.host ?? '127.0.0.1',
    port: opts.args?.port ?? 0,
  };
  if (args.servedModelNames.length === 0) args.servedModelNames = [args.model];
  const fake = new FakeVllmServer(args, opts);
  await fake.listen();
  return fake;
}

class FakeVllmServer implements FakeVllm {
  readonly log: CallLog;
  private readonly ctx: VllmCtx;
  private readonly conns = new Connections();
  private readonly listener: Listener;
  private reopen: NodeJS.Timeout | undefined;

  constructor(
    readonly args: VllmArgs,
    opts: FakeVllmOptions,
  ) {
    const server = http.createServer((req, res) => {
      if (!this.listener.listening) return void req.socket.destroy();
      this.conns.busy(req, res);
      if (opts.logLine) accessLog(req, res, opts.logLine);
      dispatch(req, res, this.ctx, opts.control ? this : undefined).catch(() => res.destroy());
    });
    server.keepAliveTimeout = 60_000;
    this.listener = new Listener(args.host, args.port, (socket) => this.conns.hand(socket, server));
    this.log = new CallLog();
    this.ctx = {
      args,
      timing: { firstTokenMs: opts.firstTokenMs ?? 0, tokenMs: opts.tokenMs ?? 0 },
      scheduler: new SeqScheduler(args.maxNumSeqs),
      faults: new FaultBook(),
      counters: new VllmCounters(),
      log: this.log,
      die: opts.onDie ?? (() => this.die()),
    };
  }

  get port(): number {
    return this.listener.port;
  }

  get origin(): string {
    return `http://${this.args.host.includes(':') ? `[${this.args.host}]` : this.args.host}:${this.port}`;
  }

  get url(): string {
    return `${this.origin}/v1`;
  }

  stats(): FakeVllmStats {
    const { counters, scheduler } = this.ctx;
    return {
      calls: this.log.count,
      completed: counters.completed,
      disconnects: counters.disconnects,
      maxRunning: scheduler.peakRunning,
      running: scheduler.running,
      waiting: scheduler.waiting,
      listening: this.listener.listening,
    };
  }

  setFault(fault: VllmFault, calls?: number): Promise<void> {
    if (!('refuse' in fault)) {
      this.ctx.faults.add(fault, calls);
      return Promise.resolve();
    }
    this.listener.close();
    this.conns.dropIdle();
    clearTimeout(this.reopen);
    if (fault.forMs !== undefined) this.reopen = setTimeout(() => void this.listen(), fault.forMs);
    return Promise.resolve();
  }

  clearFaults(): Promise<void> {
    this.ctx.faults.clear();
    return this.listen();
  }

  setTiming(timing: { firstTokenMs?: number; tokenMs?: number }): void {
    Object.assign(this.ctx.timing, timing);
  }

  listen(): Promise<void> {
    clearTimeout(this.reopen);
    return this.listener.open();
  }

  async close(drainMs = 0): Promise<void> {
    clearTimeout(this.reopen);
    this.listener.close();
    this.conns.dropIdle();
    const { scheduler } = this.ctx;
    const deadline = Date.now() + drainMs;
    while (scheduler.running + scheduler.waiting > 0 && Date.now() < deadline) await pause(20);
    this.conns.dropAll();
  }

  /** What a killed process looks like from outside: the port closed and every connection cut. */
  private die(): void {
    this.listener.close();
    this.conns.dropAll();
  }
}

async function dispatch(req: IncomingMessage, res: ServerResponse, ctx: VllmCtx, control?: FakeVllm): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (control && path.startsWith('/fake/')) return handleControl(req, res, path, control);
  if (req.method === 'GET' && path === '/health') return void res.writeHead(200, { 'content-length': 0 }).end();
  if (req.method === 'GET' && path === '/metrics') {
    const text = metricsText(ctx);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    return void res.end(text);
  }
  if (path.startsWith('/v1/') && ctx.args.apiKey && req.headers.authorization !== `Bearer ${ctx.args.apiKey}`)
    return sendJson(res, 401, { error: 'Unauthorized' });
  if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelList(ctx));
  return dispatchApi(req, res, path, ctx);
}

async function dispatchApi(req: IncomingMessage, res: ServerResponse, path: string, ctx: VllmCtx): Promise<void> {
  const route = apiRoutes(ctx.args.pooling)[path];
  if (!route) return sendJson(res, 404, { detail: 'Not Found' });
  if (req.method !== 'POST') return sendJson(res, 405, { detail: 'Method Not Allowed' });
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return sendVllmError(res, 400, 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return sendVllmError(res, 400, 'the request body must be a JSON object');
  const fields = body as Record<string, unknown>;
  ctx.log.calls.push({ path, model: typeof fields.model === 'string' ? fields.model : '', headers: req.headers, body });
  const model = servedName(res, ctx, fields.model);
  if (model !== undefined) await route(res, ctx, fields, model);
}

/** uvicorn's access line, written when the answer ends or the client leaves. */
function accessLog(req: IncomingMessage, res: ServerResponse, logLine: (line: string) => void): void {
  const peer = `${req.socket.remoteAddress ?? '-'}:${req.socket.remotePort ?? '-'}`;
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  res.once('close', () => {
    const status = res.headersSent ? `${res.statusCode} ${http.STATUS_CODES[res.statusCode] ?? ''}` : 'no answer';
    const cut = res.headersSent && !res.writableFinished ? ' (cut)' : '';
    logLine(`INFO:     ${peer} - "${req.method} ${path} HTTP/${req.httpVersion}" ${status}${cut}`);
  });
}
