// A fake ACM endpoint for labs and e2e: the JSON 1.1 API (X-Amz-Target: CertificateManager.<Action>) for
// @aws-sdk/client-acm pointed at it with `endpoint` and dummy credentials (signatures are not checked), plus control
// endpoints for tests:
//   GET /_calls    every action received: [{ action, input, at }] (passphrases redacted)
//   GET /_state    the certificates as DescribeCertificate shows them, with their PEM (never the keys)
//   GET /_ca       the test CA's certificate (PEM), for clients to trust
//   POST /_issue   { domainName, sans?, exportable? (default true), keyAlgorithm? } -> { arn }, ISSUED at once
//   POST /_renew   { arn }: a new key, serial and validity under the same ARN, as an ACM renewal
//   POST /_corrupt { arn, mode: 'key-mismatch' | 'garbage' | 'none' }: exports from now on carry the key of another
//                  certificate, or a certificate that does not parse; 'none' mends them
//   POST /_fail    { action, code, count? }: the next `count` (default 1) calls of action fail with AWS error `code`;
//                  count 0 removes the rule
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggable, runAction } from './api.js';
import { BadControlRequest, parseArn, parseBody, parseCorrupt, parseFailure, parseIssue } from './control.js';
import { AcmError, type AcmModel } from './model.js';
import { FakeAwsServer } from '../fake-aws-server.js';

/** Far above any request the operator sends; bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'CertificateManager.';

export interface ReceivedCall {
  action: string;
  input: Record<string, unknown>;
  /** ISO time the request arrived. */
  at: string;
}

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

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(body));

/** ACM's error answer: the code in __type and in x-amzn-errortype, server faults as 500. */
function sendAcmError(res: ServerResponse, err: AcmError, requestId: string): void {
  const status = /Internal|ServiceUnavailable/.test(err.code) ? 500 : 400;
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': err.code,
  };
  send(res, status, headers, JSON.stringify({ __type: err.code, message: err.message }));
}

export class FakeAcmServer extends FakeAwsServer<ReceivedCall> {
  constructor(readonly model: AcmModel) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake-acm').pathname;
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      return send(res, 413, { 'content-type': 'text/plain' }, `${(err as Error).message}\n`);
    }
    if (path.startsWith('/_')) return this.control(req.method ?? '', path, body, res);
    if (req.method !== 'POST') return send(res, 405, { 'content-type': 'text/plain' }, 'ACM requests are POSTs\n');
    const target = req.headers['x-amz-target'];
    const action =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    this.api(action, body, res);
  }

  private api(action: string, body: string, res: ServerResponse): void {
    const requestId = randomUUID();
    try {
      const input = body.trim() === '' ? {} : parseBody(body);
      this.calls.push({ action, input: loggable(input), at: new Date().toISOString() });
      const injected = this.injectedFailure(action);
      if (injected) throw new AcmError(injected, `${injected} injected by fake-acm`);
      const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
      send(res, 200, headers, JSON.stringify(runAction(this.model, action, input)));
    } catch (err) {
      if (err instanceof BadControlRequest)
        return sendAcmError(res, new AcmError('SerializationException', err.message), requestId);
      if (!(err instanceof AcmError)) throw err;
      sendAcmError(res, err, requestId);
    }
  }

  private control(method: string, path: string, body: string, res: ServerResponse): void {
    const route = `${method} ${path}`;
    try {
      const answer = this.controlAnswer(route, body);
      if (answer === undefined) return sendJson(res, 404, { error: `no control endpoint ${route}` });
      if (typeof answer === 'string') return send(res, 200, { 'content-type': 'application/x-pem-file' }, answer);
      sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof BadControlRequest) return sendJson(res, 400, { error: err.message });
      if (err instanceof AcmError) return sendJson(res, 400, { error: err.message, code: err.code });
      throw err;
    }
  }

  /** The answer of a control route: a PEM string, a JSON value, or undefined for no such route. */
  private controlAnswer(route: string, body: string): unknown {
    switch (route) {
      case 'GET /_calls':
        return this.calls;
      case 'GET /_state':
        return this.model.snapshot();
      case 'GET /_ca':
        return this.model.ca.certificatePem;
      case 'POST /_issue':
        return { arn: this.model.issue(parseIssue(parseBody(body))) };
      case 'POST /_renew': {
        const arn = parseArn(parseBody(body));
        this.model.renew(arn);
        return { arn };
      }
      case 'POST /_corrupt': {
        const { arn, mode } = parseCorrupt(parseBody(body));
        this.model.corrupt(arn, mode);
        return { arn, mode };
      }
      case 'POST /_fail': {
        const { action, rule } = parseFailure(parseBody(body));
        this.failNext(action, rule.code, rule.remaining);
        return { action, code: rule.code, count: rule.remaining };
      }
      default:
        return undefined;
    }
  }
}
