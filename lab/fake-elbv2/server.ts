// A fake ELBv2 endpoint for labs and e2e: DescribeTargetHealth of the Query API for
// @aws-sdk/client-elastic-load-balancing-v2 pointed at it (signatures are not checked), plus control endpoints:
//   GET /_calls    every action received: [{ action, params, at }]
//   GET /_state    the model ({ targetGroups })
//   POST /_targets { targetGroupArn, targets: [{ id, port, state, reason? }] }: the group's registration and health
//   POST /_fail    { action, code, count? }: the next `count` (default 1) calls fail with AWS error `code`; 0 removes
// The body reader and responders are small copies of lab/fake-ec2/server.ts's private ones.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Elbv2Error, type Elbv2Model } from './model.js';
import { parseTargetGroup } from './state.js';
import { errorXml, responseXml, targetHealthDescriptions } from './xml.js';
import { FakeAwsServer } from '../fake-aws-server.js';

const MAX_BODY_BYTES = 1024 * 1024;
export const SUPPORTED_ACTIONS: readonly string[] = ['DescribeTargetHealth'];

export interface ReceivedCall {
  action: string;
  /** The form parameters without Action and Version. */
  params: Record<string, string>;
  at: string;
}

class BadControlRequest extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
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

function jsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BadControlRequest('body must be JSON');
  }
}

function parseFailure(body: string): { action: string; code: string; count: number } {
  const parsed = jsonBody(body);
  const {
    action,
    code,
    count = 1,
  } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof action !== 'string' || !SUPPORTED_ACTIONS.includes(action))
    throw new BadControlRequest(`action must be one of ${SUPPORTED_ACTIONS.join(', ')}`);
  if (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9.]*$/.test(code))
    throw new BadControlRequest('code must be an AWS error code such as AccessDenied');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new BadControlRequest('count must be a non-negative integer');
  return { action, code, count };
}

/** Targets.member.N.Id / .Port: the targets asked about (none: every registered target). */
function askedTargets(params: URLSearchParams): { id: string; port?: number }[] {
  const asked: { id: string; port?: number }[] = [];
  for (let n = 1; params.has(`Targets.member.${n}.Id`); n++) {
    const port = params.get(`Targets.member.${n}.Port`);
    asked.push({ id: params.get(`Targets.member.${n}.Id`) ?? '', ...(port ? { port: Number(port) } : {}) });
  }
  return asked;
}

function describeTargetHealth(model: Elbv2Model, params: URLSearchParams): string {
  const arn = params.get('TargetGroupArn');
  if (!arn) throw new Elbv2Error('ValidationError', 'TargetGroupArn is required');
  return targetHealthDescriptions(model.describeTargetHealth(arn, askedTargets(params)));
}

export class FakeElbv2Server extends FakeAwsServer<ReceivedCall> {
  constructor(readonly model: Elbv2Model) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake-elbv2').pathname;
    if (path.startsWith('/_')) return this.control(req, res, path);
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'ELBv2 Query API requests are POSTs\n');
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
      if (injected) throw new Elbv2Error(injected, `${injected} injected by fake-elbv2`);
      if (action !== 'DescribeTargetHealth')
        throw new Elbv2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      send(res, 200, 'text/xml', responseXml(action, requestId, describeTargetHealth(this.model, params)));
    } catch (err) {
      if (!(err instanceof Elbv2Error)) throw err;
      send(res, 400, 'text/xml', errorXml(err.code, err.message, requestId));
    }
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = `${req.method ?? ''} ${path}`;
    if (route === 'GET /_calls') return sendJson(res, 200, this.calls);
    if (route === 'GET /_state') return sendJson(res, 200, this.model.snapshot());
    try {
      if (route === 'POST /_fail') {
        const { action, code, count } = parseFailure(await readBody(req));
        this.failNext(action, code, count);
        return sendJson(res, 200, { action, code, count });
      }
      if (route === 'POST /_targets') {
        const group = this.parseGroup(await readBody(req));
        this.model.setTargets(group.targetGroupArn, group.targets);
        return sendJson(res, 200, group);
      }
    } catch (err) {
      if (!(err instanceof BadControlRequest)) throw err;
      return sendJson(res, 400, { error: err.message });
    }
    sendJson(res, 404, { error: `no control endpoint ${route}` });
  }

  private parseGroup(body: string): ReturnType<typeof parseTargetGroup> {
    try {
      return parseTargetGroup(jsonBody(body));
    } catch (err) {
      throw err instanceof BadControlRequest ? err : new BadControlRequest((err as Error).message);
    }
  }
}
