// `node dist/lab/fake-acm/main.js --listen 0.0.0.0:8901`: serves until SIGTERM or SIGINT.
import { runFakeAcm } from './cli.js';

const shutdown = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => shutdown.abort());

runFakeAcm(process.argv.slice(2), process, shutdown.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fake-acm: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
