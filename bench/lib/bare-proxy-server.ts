/**
 * The floor for any Node.js gateway: a bare reverse proxy with node's http server and a keep-alive agent, which
 * streams each request to the upstream and the answer back, and does nothing else (no parsing, auth, cache, audit).
 * `node dist/bench/lib/bare-proxy-server.js <upstream base URL>` prints `{"url": ...}` once it listens; it exits on
 * SIGTERM/SIGINT and when its stdin closes, like fake-upstream-server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' });
const FORWARDED = ['content-type', 'content-length', 'authorization', 'accept'];

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const headers = Object.fromEntries(FORWARDED.flatMap((h) => (req.headers[h] ? [[h, req.headers[h]]] : [])));
  const path = upstream.pathname.replace(/\/$/, '') + (req.url ?? '/').replace(/^\/v1/, '');
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'text/plain' });
      answer.pipe(res);
    },
  );
  out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(out);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })}\n`);
