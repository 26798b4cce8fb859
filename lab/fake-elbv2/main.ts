// `node dist/lab/fake-elbv2/main.js --listen 0.0.0.0:4567 --state /path/state.json`: serves until SIGTERM or SIGINT.
import { runFakeElbv2 } from './cli.js';

const shutdown = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => shutdown.abort());

runFakeElbv2(process.argv.slice(2), process, shutdown.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fake-elbv2: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
