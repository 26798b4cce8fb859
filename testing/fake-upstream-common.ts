import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a fake upstream does to a call instead of answering it. */
export type Fault =
  | { status: number; retryAfterSeconds?: number; message?: string }
  /** Accept the request and never answer, until the client gives up. */
  | { hang: true }
  /** Answer a stream and cut the connection after this many events. */
  | { dropAfterEvents: number }
  /** Answer a stream, and after this many events send nothing more until the client goes away. */
  | { stallAfterEvents: number }
  /** Answer a stream, and after this many events wait for the test's release() before the rest. */
  | { holdAfterEvents: number }
  /** Answer 200 with this JSON instead of the API's shape (a broken compatible server). */
  | { badBody: unknown };

/** Faults for the next calls (in order), or for every call naming a model. */
export class FaultPlan {
  private readonly queue: Fault[] = [];
  private readonly byModel = new Map<string, Fault>();

  next(...faults: Fault[]): void {
    this.queue.push(...faults);
  }

  forModel(model: string, fault: Fault | undefined): void {
    if (fault) this.byModel.set(model, fault);
    else this.byModel.delete(model);
  }

  take(model: string): Fault | undefined {
    return this.byModel.get(model) ?? this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
    this.byModel.clear();
  }
}

export interface RecordedCall {
  path: string;
  model: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Calls a fake received: tests assert "no upstream call" and "this never reached upstream" with it. */
export class CallLog {
  readonly calls: RecordedCall[] = [];
  /** Calls whose client went away before the answer ended: an aborted upstream call stops being billed. */
  disconnects = 0;

  get count(): number {
    return this.calls.length;
  }

  countFor(model: string): number {
    return this.calls.filter((c) => c.model === model).length;
  }

  last(): RecordedCall | undefined {
    return this.calls.at(-1);
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** The words of a text, for deterministic replies and token counts. */
export function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** About 4 characters a token, at least 1: stable numbers for usage and cost assertions. */
export function tokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Hangs until the client goes away (the gateway's deadline or abort). */
export function hang(req: IncomingMessage, res: ServerResponse): void {
  req.socket.setTimeout(0);
  res.on('close', () => undefined);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Cuts the connection once what was written reached the socket, as a crashing upstream would mid-stream. */
export async function dropConnection(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => res.write('', () => resolve()));
  await pause(20);
  res.socket?.destroy();
}
