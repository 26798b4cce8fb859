// HTTP front end speaking the AWS JSON 1.1 protocol: POST / with X-Amz-Target: AmazonSSM.<Operation>.
// Targets AmazonSQS.* go to the SQS subset (sqs/http.ts) on the same listener.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callerFrom } from './caller.js';
import type { OpContext } from './context.js';
import type { ValueCipher } from './crypto.js';
import { SsmError } from './errors.js';
import { isObject } from './input.js';
import { findOperation } from './operations.js';
import { respondSqs, SQS_TARGET_PREFIX } from './sqs/http.js';
import type { QueueRegistry } from './sqs/registry.js';
import type { ParameterStore } from './store.js';
import type { EndpointLogger, JsonObject } from './types.js';

/** Far above any valid SSM request (values are at most 8 KB), small enough to bound memory. */
export const MAX_BODY_BYTES = 512 * 1024;
const TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface HandlerDeps {
  store: ParameterStore;
  queues: QueueRegistry;
  cipher: ValueCipher;
  logger?: EndpointLogger;
  now: () => number;
}

function send(res: ServerResponse, status: number, body: JsonObject, errorType?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...(errorType !== undefined ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, err: SsmError): void {
  send(res, err.status, { __type: err.code, message: err.message }, err.code);
}

function tooLarge(): SsmError {
  return new SsmError('RequestEntityTooLargeException', `Request body exceeds ${MAX_BODY_BYTES} bytes.`, 413);
}

/** Reads the body, failing early (before buffering) once it passes the cap. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<JsonObject> {
  return parseBody(await readBody(req));
}

function parseBody(raw: Buffer): JsonObject {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SsmError('SerializationException', 'The request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw new SsmError('SerializationException', 'The request body must be a JSON object.');
  return parsed;
}

function operationName(req: IncomingMessage): string {
  if (req.method !== 'POST') throw new SsmError('UnknownOperationException', 'Only POST requests are supported.', 405);
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || target.length === 0) {
    throw new SsmError('MissingAction', 'The request must carry an X-Amz-Target header.');
  }
  if (!target.startsWith(TARGET_PREFIX)) throw new SsmError('UnknownOperationException', `Unknown target ${target}.`);
  return target.slice(TARGET_PREFIX.length);
}

async function handle(deps: HandlerDeps, req: IncomingMessage): Promise<JsonObject> {
  const name = operationName(req);
  const operation = findOperation(name);
  if (operation === undefined)
    throw new SsmError('InvalidAction', `The action ${name} is not valid for this endpoint.`);
  const body = await readJson(req);
  const ctx: OpContext = { store: deps.store, cipher: deps.cipher, caller: callerFrom(req.headers), now: deps.now };
  return operation(ctx, body);
}

function fail(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const known = err instanceof SsmError;
  if (!known) {
    // Only the error message is logged: it never includes parameter values.
    deps.logger?.warn(
      { err: err instanceof Error ? err.message : String(err), target: req.headers['x-amz-target'] },
      'embedded SSM request failed',
    );
  }
  sendError(res, known ? err : new SsmError('InternalServerError', 'An internal error occurred.', 500));
  // The rest of an oversized body is not worth reading.
  if (known && err.status === 413) {
    res.once('finish', () => {
      req.socket.destroy();
    });
  }
}

async function respond(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    send(res, 200, await handle(deps, req));
  } catch (err) {
    fail(deps, req, res, err);
  }
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const sqs = { registry: deps.queues, now: deps.now, logger: deps.logger, readJson };
  return (req, res) => {
    const target = req.headers['x-amz-target'];
    const served =
      typeof target === 'string' && target.startsWith(SQS_TARGET_PREFIX)
        ? respondSqs(sqs, req, res, target)
        : respond(deps, req, res);
    // Last resort (e.g. the response could not be written): drop the connection, never crash the process.
    served.catch(() => {
      req.socket.destroy();
    });
  };
}
