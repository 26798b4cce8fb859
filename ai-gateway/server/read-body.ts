import type { IncomingMessage } from 'node:http';
import type { ClientError } from './respond.js';

/** The request body, refused (413) as soon as it passes the limit: a huge body is never buffered whole. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: Buffer } | { error: ClientError }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return tooLarge(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return tooLarge(limit);
    parts.push(chunk as Buffer);
  }
  return { body: Buffer.concat(parts, size) };
}

function tooLarge(limit: number): { error: ClientError } {
  return {
    error: {
      status: 413,
      type: 'invalid_request_error',
      code: 'request_too_large',
      message: `The request body exceeds the gateway's limit of ${limit} bytes.`,
    },
  };
}
