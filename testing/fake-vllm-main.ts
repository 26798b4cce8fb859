/**
 * The fake vLLM as an executable, in place of `vllm`: `node fake-vllm-main.js serve <model> [vllm serve flags]`.
 * The command line is the one `vllm serve` gets (see parseVllmArgs); the fake's own knobs come from the environment
 * (see readFakeVllmEnv: FAKE_VLLM_LOAD_MS, FAKE_VLLM_FIRST_TOKEN_MS, FAKE_VLLM_TOKEN_MS, FAKE_VLLM_CONTROL=1,
 * FAKE_VLLM_DRAIN_MS, FAKE_VLLM_REQUIRE_WEIGHTS=1). As vLLM, it opens its port only once "loaded", exits 0 on
 * SIGTERM or SIGINT after a short drain, and exits 1 when a dieMidStream fault kills it.
 */
import { statSync } from 'node:fs';
import { pause } from './fake-upstream-common.js';
import { parseVllmArgs, readFakeVllmEnv, VllmArgsError } from './fake-vllm-args.js';
import { startFakeVllm } from './fake-vllm.js';

async function main(): Promise<void> {
  const args = parseVllmArgs(process.argv.slice(2));
  const env = readFakeVllmEnv(process.env);
  for (const flag of args.ignored) process.stderr.write(`fake-vllm: ignoring ${flag} (not simulated)\n`);
  if (env.requireWeights && !statSync(args.model, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`fake-vllm: no weights at ${args.model}\n`);
    process.exit(1);
  }
  console.log(`INFO fake-vllm: loading ${args.model} (${env.loadMs} ms)`);
  await pause(env.loadMs);
  const fake = await startFakeVllm({
    args,
    firstTokenMs: env.firstTokenMs,
    tokenMs: env.tokenMs,
    control: env.control,
    onDie: () => process.exit(1),
    logLine: (line) => console.log(line),
  });
  console.log(`INFO fake-vllm: Starting vLLM API server on ${fake.origin} serving ${args.servedModelNames.join(', ')}`);
  const stop = (): void => void fake.close(env.drainMs).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-vllm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof VllmArgsError ? 2 : 1);
});
