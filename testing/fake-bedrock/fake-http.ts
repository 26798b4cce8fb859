// The HTTP plumbing of the fake Bedrock: bodies in, JSON and restJson1 errors out.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': data.length,
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(data);
}

/** Bedrock's restJson1 error: the type in `x-amzn-errortype` (with its namespace suffix), the message in the body. */
export function sendError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  sendJson(
    res,
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers },
  );
}
