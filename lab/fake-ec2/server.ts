// A fake EC2 endpoint for labs and e2e: enough of the EC2 Query API for @aws-sdk/client-ec2 pointed at it with
// `endpoint` and dummy credentials (signatures are not checked), plus control endpoints for tests:
//   GET /_calls  every action received: [{ action, params, at }]
//   GET /_state  the model (addresses, routeTables, networkInterfaces)
//   POST /_fail  { action, code, count? }: the next `count` (default 1) calls of action fail with AWS error `code`;
//                count 0 removes the rule.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ec2Error, type Ec2Model } from './model.js';
import { runAction, SUPPORTED_ACTIONS } from './query.js';
import { errorXml, responseXml } from './xml.js';
import { FakeAwsServer } from '../fake-aws-server.js';

/** Far above any request the operator sends; bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ReceivedCall {
  action: string;
  /** The form parameters without Action and Version. */
  params: Record<string, string>;
  /** ISO time the request arrived. */
  at: string;
}

interface FailureRule {
  code: string;
  remaining: number;
}

class BadControlRequest extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Rejecting settles the promise once; the rest of the body is drained and dropped.
      if (size > MAX_BODY_BYTES) reject(new BadControlRequest(`request body exceeds ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json', JSON.stringify(body));

function parseFailure(body: string): { action: string; rule: FailureRule } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadControlRequest('body must be JSON');
  }
  const {
    action,
    code,
    count = 1,
  } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof action !== 'string' || !SUPPORTED_ACTIONS.includes(action)) {
    throw new BadControlRequest(`action must be one of ${SUPPORTED_ACTIONS.join(', ')}`);
  }
  if (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9.]*$/.test(code)) {
    throw new BadControlRequest('code must be an AWS error code such as UnauthorizedOperation');
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new BadControlRequest('count must be a non-negative integer');
  }
  return { action, rule: { code, remaining: count } };
}

export class FakeEc2Server extends FakeAwsServer<ReceivedCall> {
  constructor(readonly model: Ec2Model) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake-ec2').pathname;
    if (path.startsWith('/_')) return this.control(req, res, path);
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'EC2 Query API requests are POSTs\n');
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      return send(res, 413, 'text/plain', `${(err as Error).message}\n`);
    }
    this.query(new URLSearchParams(body), res);
  }

  private query(params: URLSearchParams, res: ServerResponse): void {
    const requestId = randomUUID();
    const action = params.get('Action') ?? '';
    const rest = Object.fromEntries([...params].filter(([key]) => key !== 'Action' && key !== 'Version'));
    this.calls.push({ action, params: rest, at: new Date().toISOString() });
    try {
      const injected = this.injectedFailure(action);
      if (injected) throw new Ec2Error(injected, `${injected} injected by fake-ec2`);
      send(res, 200, 'text/xml', responseXml(action, requestId, runAction(this.model, action, params)));
    } catch (err) {
      if (!(err instanceof Ec2Error)) throw err;
      send(res, 400, 'text/xml', errorXml(err.name, err.message, requestId));
    }
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = `${req.method ?? ''} ${path}`;
    if (route === 'GET /_calls') return sendJson(res, 200, this.calls);
    if (route === 'GET /_state') return sendJson(res, 200, this.model.snapshot());
    if (route !== 'POST /_fail') return sendJson(res, 404, { error: `no control endpoint ${route}` });
    try {
      const { action, rule } = parseFailure(await readBody(req));
      this.failNext(action, rule.code, rule.remaining);
      sendJson(res, 200, { action, code: rule.code, count: rule.remaining });
    } catch (err) {
      if (!(err instanceof BadControlRequest)) throw err;
      sendJson(res, 400, { error: err.message });
    }
  }
}
