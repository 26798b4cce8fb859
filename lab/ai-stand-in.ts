// `CSGW_LAB_STAND_IN_KEY=<key> node dist/lab/ai-stand-in.js 127.0.0.1 8000`: the lab's local stand-in for OpenAI
// (testing/fake-openai.ts, an OpenAI-compatible server that echoes), so the lab's AI gateway has an upstream and no
// request leaves the machine. It also serves its call count on a second loopback port, GET /calls, so the lab can
// show that a cache hit never reached it. Prints {"url","control"} once listening; serves until SIGTERM or SIGINT.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeOpenAi } from '../testing/fake-openai.js';

const [host = '127.0.0.1', port = '8000'] = process.argv.slice(2);
const apiKey = process.env.CSGW_LAB_STAND_IN_KEY;
const upstream = await startFakeOpenAi({ host, port: Number(port), ...(apiKey ? { apiKey } : {}) });
const control = http.createServer((req, res) => {
  const found = req.method === 'GET' && req.url === '/calls';
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(found ? { calls: upstream.log.count } : { error: 'GET /calls' }));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const { port: controlPort } = control.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: upstream.url, control: `http://127.0.0.1:${controlPort}/calls` })}\n`);

const stop = (): void => {
  control.close();
  void upstream.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
