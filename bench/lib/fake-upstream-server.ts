/**
 * The fake OpenAI-compatible upstream (testing/fake-openai.ts) as a process of its own, so the benchmark can give it
 * its own CPU: `node dist/bench/lib/fake-upstream-server.js [port]` prints `{"url": ...}` on one line once it listens.
 * It exits on SIGTERM/SIGINT and when its stdin closes (the benchmark that started it went away, even by SIGKILL).
 */
import { FAKE_OPENAI_KEY } from '../../testing/fake-llm-upstreams.js';
import { startFakeOpenAi } from '../../testing/fake-openai.js';

const port = Number(process.argv[2] ?? 0);
const upstream = await startFakeOpenAi({ apiKey: FAKE_OPENAI_KEY, host: '127.0.0.1', port });
// The fake records every call for tests' assertions; at thousands of calls a second that log would only grow and
// add GC work to the baseline, so it is emptied every second.
const trim = setInterval(() => (upstream.log.calls.length = 0), 1000);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  clearInterval(trim);
  void upstream.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
