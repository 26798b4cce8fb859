// The SQS subset on the endpoint's listener: POST / with X-Amz-Target: AmazonSQS.<Operation>, AWS JSON 1.0.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callerFrom } from '../caller.js';
import { SsmError } from '../errors.js';
import type { EndpointLogger, JsonObject } from '../types.js';
import type { SqsContext, SqsOperation } from './context.js';
import { SqsError } from './errors.js';
import { deleteMessage, deleteMessageBatch, receiveMessage, sendMessage } from './ops-messages.js';
import { createQueue, deleteQueue, getQueueAttributes, getQueueUrl, listQueues, purgeQueue } from './ops-queues.js';
import type { QueueRegistry } from './registry.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

const OPERATIONS: Readonly<Record<string, SqsOperation>> = Object.freeze({
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  DeleteQueue: deleteQueue,
  ListQueues: listQueues,
  GetQueueAttributes: getQueueAttributes,
  PurgeQueue: purgeQueue,
  SendMessage: sendMessage,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
});

export interface SqsDeps {
  registry: QueueRegistry;
  now: () => number;
  logger?: EndpointLogger;
  /** Reads and parses the JSON body with the endpoint's size cap; throws SsmError. */
  readJson: (req: IncomingMessage) => Promise<JsonObject>;
}

function send(res: ServerResponse, status: number, body: JsonObject, err?: SqsError): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...(err !== undefined ? { 'x-amzn-query-error': `${err.queryCode};${err.fault}` } : {}),
  });
  res.end(payload);
}

function operationOf(req: IncomingMessage, target: string): SqsOperation {
  if (req.method !== 'POST') throw new SqsError('UnsupportedOperation', 'Only POST requests are supported.', 405);
  const name = target.slice(SQS_TARGET_PREFIX.length);
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (operation === undefined) {
    throw new SqsError('UnsupportedOperation', `The operation ${name} is not supported by this endpoint.`);
  }
  return operation;
}

async function handle(deps: SqsDeps, req: IncomingMessage, res: ServerResponse, target: string): Promise<JsonObject> {
  const operation = operationOf(req, target);
  const body = await deps.readJson(req);
  const aborted = new AbortController();
  res.once('close', () => {
    aborted.abort();
  });
  const ctx: SqsContext = {
    registry: deps.registry,
    caller: callerFrom(req.headers),
    now: deps.now,
    signal: aborted.signal,
  };
  return operation(ctx, body);
}

/** Body-level failures (size, JSON) keep their SSM code and status; anything unknown is an InternalError. */
function asSqsError(deps: SqsDeps, err: unknown, target: string): SqsError {
  if (err instanceof SqsError) return err;
  if (err instanceof SsmError) return new SqsError(err.code, err.message, err.status);
  // Only the error message is logged: it never includes message bodies.
  deps.logger?.warn({ err: err instanceof Error ? err.message : String(err), target }, 'embedded SQS request failed');
  return new SqsError('InternalError', 'An internal error occurred.', 500);
}

export async function respondSqs(
  deps: SqsDeps,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
): Promise<void> {
  try {
    send(res, 200, await handle(deps, req, res, target));
  } catch (raw) {
    const err = asSqsError(deps, raw, target);
    send(res, err.status, { __type: `com.amazonaws.sqs#${err.code}`, message: err.message }, err);
    // The rest of an oversized body is not worth reading.
    if (err.status === 413) {
      res.once('finish', () => {
        req.socket.destroy();
      });
    }
  }
}
