/**
 * The local model's queue policy at twice its capacity: 2×C closed-loop clients against a vLLM (the fake, C
 * sequences at once, a fixed prefill and per-token time) directly, then through the AI gateway with `queue` and
 * maxConcurrency C, in one run. The gateway holds the surplus in its FIFO where vLLM would hold it in its scheduler;
 * what the queue costs is the latency and throughput ratio against direct, and whether it is fair is Jain's index
 * over the clients' completed requests (1 = every client served alike) and the spread of their waits.
 *
 *   npm run build && node dist/bench/local-queue.js [--capacity 4] [--duration 15] [--first-token-ms 30] [--token-ms 5]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { AiGatewayConfig } from '../ai-gateway/config.js';
import { startGateway } from '../ai-gateway/daemon.js';
import { fakeGatewayConfig, GATEWAY_KEYS } from '../testing/fake-llm-upstreams.js';
import { startFakeVllm } from '../testing/fake-vllm.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { formatTable, say } from './lib/report.js';
import { percentile } from './lib/stats.js';

const flags = parseFlags({ capacity: '4', duration: '15', 'first-token-ms': '30', 'token-ms': '5' });
const capacity = positiveNumber('capacity', flags.capacity);
const durationMs = positiveNumber('duration', flags.duration) * 1000;

interface Run {
  latencies: number[];
  perClient: number[];
  errors: number;
  seconds: number;
}

/** 2×capacity clients, each asking one question after the other until the time is up. */
async function load(client: OpenAI, model: string): Promise<Run> {
  const clients = 2 * capacity;
  const latencies: number[] = [];
  const perClient = new Array<number>(clients).fill(0);
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    perClient.map(async (_, i) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await client.chat.completions.create({
            model,
            messages: [{ role: 'user', content: `client ${i} asks a question of eight words` }],
          });
          latencies.push(performance.now() - t0);
          perClient[i]!++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return {
    latencies: latencies.sort((a, b) => a - b),
    perClient,
    errors,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Jain's fairness index: (Σx)² / (n·Σx²), 1 when every client got the same. */
function jain(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 0 : (sum * sum) / (xs.length * squares);
}

function row(name: string, r: Run): (string | number)[] {
  return [
    name,
    (r.latencies.length / r.seconds).toFixed(1),
    percentile(r.latencies, 50).toFixed(1),
    percentile(r.latencies, 99).toFixed(1),
    jain(r.perClient).toFixed(4),
    `${Math.min(...r.perClient)}-${Math.max(...r.perClient)}`,
    r.errors,
  ];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-queue-'));
  const vllm = await startFakeVllm({
    args: { host: '127.0.0.1', port: 0, model: 'm', servedModelNames: ['m'], maxNumSeqs: capacity },
    firstTokenMs: Number(flags['first-token-ms']),
    tokenMs: Number(flags['token-ms']),
  });
  const base = fakeGatewayConfig(dir, { openai: vllm.url, anthropic: vllm.url, bedrock: vllm.url });
  const config: AiGatewayConfig = {
    ...base,
    cache: { ...base.cache, enabled: false },
    localModels: [
      {
        name: 'local/m',
        servedName: 'm',
        baseUrl: vllm.url,
        metricsUrl: `${vllm.origin}/metrics`,
        kind: 'chat',
        overflow: {
          policy: 'queue',
          maxConcurrency: capacity,
          queue: { maxSize: 10 * capacity, maxWaitMs: 60_000 },
          firstTokenTimeoutMs: 30_000,
        },
      },
    ],
  };
  const file = join(dir, 'ai-gateway.json');
  await writeFile(file, JSON.stringify(config));
  const gw = await startGateway(file, pino({ level: 'silent' }));
  try {
    const direct = await load(new OpenAI({ apiKey: 'x', baseURL: vllm.url, maxRetries: 0 }), 'm');
    const gatewayUrl = `http://127.0.0.1:${gw.listening.port}/v1`;
    const queued = await load(
      new OpenAI({ apiKey: GATEWAY_KEYS.teamA, baseURL: gatewayUrl, maxRetries: 0 }),
      'local/m',
    );
    say(`local model at 2x capacity (${2 * capacity} clients, ${capacity} sequences), ${durationMs / 1000} s each`);
    say(
      formatTable([
        ['path', 'req/s', 'p50 ms', 'p99 ms', 'Jain', 'per client', 'errors'],
        row('direct to vLLM (its own queue)', direct),
        row('gateway, policy queue', queued),
      ]),
    );
    const ratio = (p: number): string => (percentile(queued.latencies, p) / percentile(direct.latencies, p)).toFixed(3);
    say(
      `gateway/direct: p50 ${ratio(50)}, p99 ${ratio(99)}, throughput ${(
        queued.latencies.length /
        queued.seconds /
        (direct.latencies.length / direct.seconds)
      ).toFixed(3)}; vLLM's max running ${vllm.stats().maxRunning} (capacity ${capacity})`,
    );
  } finally {
    await gw.stop();
    await vllm.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
