// Tiny HTTP echo server for e2e test hosts (plain JS, no dependencies).
//   node echo-server.mjs [port ...]     (default: $PORT or 8080; every port
//                                        given serves the same endpoints, e.g.
//                                        `8080 443` for plain HTTP on 443 too,
//                                        which a proxy test reaches through a
//                                        CONNECT tunnel)
//   GET /stream?seconds=N  -> one JSON line every 100 ms for N seconds, so a
//                             test can keep a connection open across a change
//   GET /cacheable?id=X    -> a small JSON body a cache may keep: Cache-Control
//                             public, max-age=600, a fixed Last-Modified and an
//                             ETag per id (a proxy's second GET is a hit)
//   GET /bytes?size=N      -> N bytes (application/octet-stream, no-store),
//                             as fast as the peer reads them
//   GET /slow-bytes?size=N&seconds=S
//                          -> N bytes spread evenly over S seconds (a chunk
//                             every 100 ms), for "this download survives that"
//   anything else          -> {"remoteAddress": "...", "remotePort": N, ...}
// remoteAddress is the point: it proves which source address the server saw
// (the client's own IP without NAT, the gateway's public IP with SNAT or a proxy).
import { createServer } from 'node:http';

const ports = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [Number(process.env.PORT ?? 8080)];
const CHUNK_INTERVAL_MS = 100;
const MAX_SIZE = 1024 ** 3;
const BLOCK = Buffer.alloc(64 * 1024, 'csgw-e2e-bytes\n');
// Fixed and in the past, so a cache has a validator and the object is never "from the future".
const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';

function peer(req) {
  const { remoteAddress, remotePort, localAddress, localPort } = req.socket;
  return { remoteAddress, remotePort, localAddress, localPort };
}

/** What a proxy in front added (TLS termination): the client it saw and the scheme it was reached by. */
function forwarded(req) {
  const forwardedFor = req.headers['x-forwarded-for'];
  const forwardedProto = req.headers['x-forwarded-proto'];
  return { ...(forwardedFor ? { forwardedFor } : {}), ...(forwardedProto ? { forwardedProto } : {}) };
}

/** A non-negative number from the query string, or `fallback` when absent or not a number. */
function numberParam(url, name, fallback) {
  const value = Number(url.searchParams.get(name) ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

function stream(req, res, seconds) {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const total = Math.max(1, Math.round((seconds * 1000) / CHUNK_INTERVAL_MS));
  let sent = 0;
  const timer = setInterval(() => {
    res.write(`${JSON.stringify({ chunk: sent, ...peer(req) })}\n`);
    sent += 1;
    if (sent >= total) {
      clearInterval(timer);
      res.end();
    }
  }, CHUNK_INTERVAL_MS);
  // A client that goes away must not leave the interval running.
  res.on('close', () => clearInterval(timer));
}

function cacheable(req, res, id) {
  const body = `${JSON.stringify({ id, servedAt: Date.now(), ...peer(req) })}\n`;
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'public, max-age=600',
    'last-modified': LAST_MODIFIED,
    etag: `"cacheable-${encodeURIComponent(id)}"`,
  });
  res.end(body);
}

function bytesHeaders(size) {
  return { 'content-type': 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' };
}

/** `size` bytes in 64 KiB blocks, each written only once the previous one drained (backpressure). */
function bytes(res, size) {
  res.writeHead(200, bytesHeaders(size));
  let left = size;
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const pump = () => {
    while (left > 0 && !closed) {
      const n = Math.min(left, BLOCK.length);
      left -= n;
      if (!res.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!closed) res.end();
  };
  pump();
}

/** `size` bytes over `seconds`: after tick i of n, round(size * i / n) bytes have been written. */
function slowBytes(res, size, seconds) {
  res.writeHead(200, bytesHeaders(size));
  const ticks = Math.max(1, Math.round((seconds * 1000) / CHUNK_INTERVAL_MS));
  let tick = 0;
  let sent = 0;
  const timer = setInterval(() => {
    tick += 1;
    const due = Math.round((size * tick) / ticks);
    while (sent < due) {
      const n = Math.min(due - sent, BLOCK.length);
      res.write(BLOCK.subarray(0, n)); // bounded by size: no need to wait for drain
      sent += n;
    }
    if (tick >= ticks) {
      clearInterval(timer);
      res.end();
    }
  }, CHUNK_INTERVAL_MS);
  res.on('close', () => clearInterval(timer));
}

function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/stream':
      return stream(req, res, numberParam(url, 'seconds', 5));
    case '/cacheable':
      return cacheable(req, res, url.searchParams.get('id') ?? '');
    case '/bytes':
      return bytes(res, Math.min(MAX_SIZE, Math.floor(numberParam(url, 'size', 0))));
    case '/slow-bytes':
      return slowBytes(
        res,
        Math.min(MAX_SIZE, Math.floor(numberParam(url, 'size', 0))),
        numberParam(url, 'seconds', 5),
      );
    default:
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ ...peer(req), method: req.method, url: req.url, ...forwarded(req) })}\n`);
  }
}

for (const port of ports) {
  createServer(handle).listen(port, '0.0.0.0', () => {
    console.log(`echo-server listening on 0.0.0.0:${port}`);
  });
}

// Exit promptly on docker stop instead of waiting for the kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
