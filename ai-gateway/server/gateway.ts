import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { cidrContains } from '../../runtime/net/cidr.js';
import { authenticate } from './auth.js';
import { handleChat, type ChatDeps } from './chat.js';
import { Call } from './call.js';
import type { CallOutcome, RequestContext } from './context.js';
import { ClientGone, TotalTimeout } from './dispatch.js';
import { handleEmbeddings } from './embeddings.js';
import { listModels } from './models.js';
import { readBody } from './read-body.js';
import { badRequest, sendError, type ClientError } from './respond.js';
import { handleResponses } from './responses.js';
import type { GatewayRuntime } from './runtime.js';
import type { RequestRate } from './stats.js';

export interface GatewayDeps extends ChatDeps {
  rate: RequestRate;
}

/** Bounds a drain: the requests in flight on every revision, retired ones included. */
interface InFlight {
  count: number;
}

interface Route {
  endpoint: CallOutcome['endpoint'];
  handle: (ctx: RequestContext, body: unknown) => Promise<void>;
}

/**
 * The client-facing server. Every request takes the runtime current when it arrives and keeps it to its end (a
 * reload never changes a request midway). A client that disconnects aborts the request's signal, which aborts the
 * upstream call; the total deadline does the same.
 */
export class GatewayServer {
  readonly server: http.Server;
  private runtime: GatewayRuntime;
  private readonly routes: Record<string, Route>;
  private readonly inFlight: InFlight = { count: 0 };

  constructor(
    runtime: GatewayRuntime,
    private readonly deps: GatewayDeps,
  ) {
    this.runtime = runtime;
    this.routes = {
      'POST /v1/chat/completions': { endpoint: 'chat', handle: (ctx, body) => handleChat(ctx, body, deps) },
      'POST /v1/embeddings': { endpoint: 'embeddings', handle: (ctx, body) => handleEmbeddings(ctx, body, deps) },
      'POST /v1/responses': { endpoint: 'responses', handle: (ctx, body) => handleResponses(ctx, body, deps) },
    };
    // requestTimeout bounds receiving a request (a client trickling its body holds no socket forever); a response
    // streams as long as the total deadline allows.
    this.server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'request failed inside the gateway');
        sendError(res, internal());
      });
    });
  }

  get current(): GatewayRuntime {
    return this.runtime;
  }

  /** Requests in flight on any revision. */
  get active(): number {
    return this.inFlight.count;
  }

  /** Swaps the runtime for new requests; the old one closes its pools when its last request ends. */
  swap(next: GatewayRuntime): void {
    const old = this.runtime;
    this.runtime = next;
    old.retire();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const runtime = this.runtime;
    const release = runtime.enter();
    this.inFlight.count++;
    res.once('close', () => {
      release();
      this.inFlight.count--;
    });
    this.deps.rate.mark();
    const clientAddress = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (!runtime.config.clientCidrs.some((c) => safeContains(c, clientAddress)))
      return sendError(res, {
        status: 403,
        type: 'permission_error',
        code: 'client_not_allowed',
        message: `Clients from ${clientAddress} are not allowed.`,
      });
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/v1/models')
      return this.authorized(req, res, runtime, () => listModels(res, runtime));
    const route = this.routes[`${req.method} ${path}`];
    if (!route) return sendError(res, notFound(req.method ?? '', path));
    await this.authorized(req, res, runtime, (ctx) => this.withBody(ctx, route), clientAddress);
  }

  /** Reads and parses the body, then hands it to the route; a body refused here is a call recorded like any other. */
  private async withBody(ctx: RequestContext, route: Route): Promise<void> {
    const read = await readBody(ctx.req, ctx.runtime.config.limits.maxBodyBytes);
    if ('error' in read) {
      // The rest of a body over the limit is never read: the connection closes after the answer.
      ctx.res.once('finish', () => ctx.req.destroy());
      ctx.res.setHeader('connection', 'close');
      return new Call(ctx, route.endpoint, undefined, this.deps).refuse(read.error);
    }
    const body = parseJson(read.body);
    if (body instanceof Error) {
      const message = `We could not parse the JSON body of your request: ${body.message}`;
      return new Call(ctx, route.endpoint, undefined, this.deps).refuse(badRequest(message, 'invalid_json'));
    }
    await route.handle(ctx, body);
  }

  private async authorized(
    req: IncomingMessage,
    res: ServerResponse,
    runtime: GatewayRuntime,
    next: (ctx: RequestContext) => Promise<void> | void,
    clientAddress = '',
  ): Promise<void> {
    const caller = authenticate(req.headers, runtime);
    if ('status' in caller) return sendError(res, caller);
    const abort = new AbortController();
    const { totalTimeoutMs } = runtime.config.limits;
    const deadline = setTimeout(() => {
      abort.abort(new TotalTimeout(`total timeout of ${totalTimeoutMs} ms passed`));
      // A started answer gets a moment to end with its error event; a client that stopped reading is then cut.
      if (res.headersSent) setTimeout(() => res.writableFinished || res.destroy(), 1000).unref();
    }, totalTimeoutMs);
    res.once('close', () => {
      clearTimeout(deadline);
      if (!res.writableFinished) abort.abort(new ClientGone());
    });
    const requestId = `req_${randomUUID().replaceAll('-', '')}`;
    await next({
      req,
      res,
      runtime,
      caller,
      requestId,
      clientAddress,
      startedAt: performance.now(),
      signal: abort.signal,
    });
  }
}

function safeContains(cidr: string, address: string): boolean {
  try {
    return cidrContains(cidr, address);
  } catch {
    return false;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function notFound(method: string, path: string): ClientError {
  return {
    status: 404,
    type: 'invalid_request_error',
    code: 'unknown_url',
    message: `Unknown request URL: ${method} ${path.slice(0, 200)}.`,
  };
}

function internal(): ClientError {
  return {
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    message: 'The gateway failed to handle the request.',
  };
}
