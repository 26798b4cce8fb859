import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './fake-upstream-common.js';
import type { VllmFault } from './fake-vllm-engine.js';
import type { FakeVllm } from './fake-vllm.js';

/** What POST /fake/faults asks: clear every fault, or set one for the next `calls` calls (all calls without). */
export type FaultRequest = { clear: true } | { fault: VllmFault; calls?: number };

/**
 * The control API (FAKE_VLLM_CONTROL=1), for tests that run the fake as a process:
 * - `POST /fake/faults` with `{"clear":true}` or one fault and an optional `calls`: `{"status":503,"calls":2}`,
 *   `{"hang":true}`, `{"dieMidStream":3}`, `{"firstTokenDelayMs":2000}`, `{"refuse":true,"forMs":1500}` (refusing
 *   needs `forMs` here: the control API is refused too until it ends). Answers 204, or 400 with the reason.
 * - `GET /fake/stats`: `{calls, completed, disconnects, maxRunning, running, waiting, listening}`.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  fake: FakeVllm,
): Promise<void> {
  if (req.method === 'GET' && path === '/fake/stats') return sendJson(res, 200, fake.stats());
  if (req.method !== 'POST' || path !== '/fake/faults') return sendJson(res, 404, { detail: 'Not Found' });
  let parsed: FaultRequest | string;
  try {
    parsed = parseFaultRequest(JSON.parse(await readBody(req)));
  } catch {
    parsed = 'the body is not JSON';
  }
  if (typeof parsed === 'string') return sendJson(res, 400, { detail: parsed });
  if ('clear' in parsed) await fake.clearFaults();
  else if ('refuse' in parsed.fault && parsed.fault.forMs === undefined)
    return sendJson(res, 400, { detail: 'refuse needs forMs over the control API' });
  // Answer before refusing starts, so the caller learns it was taken.
  res.writeHead(204).end(() => {
    if ('fault' in parsed) void fake.setFault(parsed.fault, parsed.calls);
  });
}

/** Checks a fault request's JSON; returns the reason when it is not one. */
export function parseFaultRequest(body: unknown): FaultRequest | string {
  if (typeof body !== 'object' || body === null) return 'a JSON object is required';
  const { calls, ...rest } = body as Record<string, unknown>;
  if (calls !== undefined && !wholeNumber(calls, 1)) return 'calls must be a whole number from 1';
  if (rest.clear === true && Object.keys(rest).length === 1) return { clear: true };
  const fault = parseFault(rest);
  if (typeof fault === 'string') return fault;
  return calls === undefined ? { fault } : { fault, calls };
}

function parseFault(f: Record<string, unknown>): VllmFault | string {
  const keys = Object.keys(f);
  const only = (...allowed: string[]): boolean => keys.every((k) => allowed.includes(k));
  if (f.refuse === true && only('refuse', 'forMs')) return refusal(f.forMs);
  if (f.hang === true && only('hang')) return { hang: true };
  if (wholeNumber(f.status, 400) && f.status <= 599 && only('status', 'message')) return statusFault(f);
  if (wholeNumber(f.dieMidStream, 0) && only('dieMidStream')) return { dieMidStream: f.dieMidStream };
  if (wholeNumber(f.firstTokenDelayMs, 0) && only('firstTokenDelayMs'))
    return { firstTokenDelayMs: f.firstTokenDelayMs };
  return bad;
}

function refusal(forMs: unknown): VllmFault | string {
  if (forMs === undefined) return { refuse: true };
  return wholeNumber(forMs, 0) ? { refuse: true, forMs } : bad;
}

function statusFault(f: Record<string, unknown>): VllmFault {
  const status = f.status as number;
  return typeof f.message === 'string' ? { status, message: f.message } : { status };
}

const bad =
  'one fault is required: {"clear":true}, {"refuse":true,"forMs":N}, {"status":4xx|5xx}, {"hang":true}, ' +
  '{"dieMidStream":N} or {"firstTokenDelayMs":N}, with an optional "calls"';

function wholeNumber(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}
