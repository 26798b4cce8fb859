// Tiny HTTP echo server for e2e test hosts (plain JS, no dependencies).
//   node echo-server.mjs [port]         (default: $PORT or 8080)
//   GET /stream?seconds=N  -> one JSON line every 100 ms for N seconds, so a
//                             test can keep a connection open across a change
//   anything else          -> {"remoteAddress": "...", "remotePort": N, ...}
// remoteAddress is the point: it proves which source address the server saw
// (the client's own IP without NAT, the gateway's public IP with SNAT).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const CHUNK_INTERVAL_MS = 100;

function peer(req) {
  const { remoteAddress, remotePort, localAddress, localPort } = req.socket;
  return { remoteAddress, remotePort, localAddress, localPort };
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

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/stream') {
    const seconds = Number(url.searchParams.get('seconds') ?? 5);
    stream(req, res, Number.isFinite(seconds) ? seconds : 5);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify({ ...peer(req), method: req.method, url: req.url })}\n`);
});

server.listen(port, '0.0.0.0', () => {
  console.log(`echo-server listening on 0.0.0.0:${port}`);
});

// Exit promptly on docker stop instead of waiting for the kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
