// `node dist/lab/fake-ec2/main.js --listen 0.0.0.0:8900 --state /path/state.json`: serves until SIGTERM or SIGINT.
import { runFakeEc2 } from './cli.js';

const shutdown = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => shutdown.abort());

runFakeEc2(process.argv.slice(2), process, shutdown.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fake-ec2: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
