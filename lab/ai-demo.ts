import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { labAiInputs, type LabAiInputs } from './ai-inputs.js';
import { cacheProblem, chatLine, parseChatResult, usageCounted, type LabChatResult } from './ai-steps.js';
import { inNs, type LabTopology } from './topology.js';
import { waitFor } from './wait.js';

/**
 * The lab's AI gateway part: a chat from the client namespace through the gateway's :8090 to a local stand-in for
 * OpenAI, the same request answered from the cache, then `csgw ai usage`. The manifest it applies is the example a
 * newcomer reads; the stand-in runs on the gateway namespace's loopback, where the manifest's baseUrl points.
 */
export const AI_MANIFEST = fileURLToPath(new URL('../../examples/lab/ai-gateway.yaml', import.meta.url));
const STAND_IN = fileURLToPath(new URL('./ai-stand-in.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('./ai-client.js', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PROMPT = 'Hello from the Cloud Spectra Gateway lab';
const PATIENCE = { timeoutMs: 30_000, intervalMs: 250 };

export interface AiStandIn {
  /** GET: {"calls": n}, the chat completions the stand-in has answered (on the gateway namespace's loopback). */
  control: string;
  stop(): Promise<void>;
}

export interface AiProofDeps {
  lab: LabTopology;
  inputs: LabAiInputs;
  standIn: AiStandIn;
  csgw: (args: string[]) => Promise<string>;
  /** Waits until the kind's controller is Ready for the generation of this `csgw apply` output line. */
  awaitReady: (kind: string, applyLine: string) => Promise<void>;
  say: (line: string) => void;
}

export async function readAiInputs(): Promise<LabAiInputs> {
  return labAiInputs(await readFile(AI_MANIFEST, 'utf8'));
}

/** Starts the stand-in for OpenAI in the gateway namespace and waits until it listens. */
export async function startAiStandIn(lab: LabTopology, inputs: LabAiInputs): Promise<AiStandIn> {
  const { host, port } = inputs.standIn;
  const [file = '', ...args] = inNs(lab.gatewayNs, [process.execPath, STAND_IN, host, String(port)]);
  const child = execa(file, args, { env: { CSGW_LAB_STAND_IN_KEY: inputs.upstreamKey }, reject: false });
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await child;
  };
  // Resolves (never rejects), so it can outlive the race below without an unhandled rejection.
  const exited = child.then((r) => new Error(`the stand-in for OpenAI exited: ${String(r.stderr).trim()}`));
  const listening = once(createInterface({ input: child.stdout }), 'line', { signal: AbortSignal.timeout(10_000) });
  try {
    const first = await Promise.race([listening, exited]);
    if (first instanceof Error) throw first;
    return { control: (JSON.parse(String(first[0])) as { control: string }).control, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Applies the manifest, chats twice from the client namespace, checks the repeat was a cache hit, shows usage. */
export async function proveAiGateway(deps: AiProofDeps): Promise<void> {
  const { lab, inputs, say } = deps;
  const { host, port } = inputs.standIn;
  say(
    `AI gateway: its upstream "openai" is a local stand-in for OpenAI on ${host}:${port} in the gateway namespace: ` +
      'no request leaves this machine',
  );
  const applied = await deps.csgw(['apply', '-f', AI_MANIFEST]);
  say(applied);
  await deps.awaitReady('AiGateway', applied.split('\n').find((l) => l.startsWith('aigateway/')) ?? '');
  const baseUrl = `http://${lab.gatewayPrivateIp}:${inputs.port}/v1`;
  const models = await waitFor(() => gatewayModels(deps, baseUrl), {
    ...PATIENCE,
    what: `the AI gateway on ${baseUrl}`,
  });
  say(`the operator runs the data plane (csgw ai-gateway): ${baseUrl} lists the models ${models.join(', ')}`);
  await proveCache(deps, baseUrl);
  const usage = (argv: string[]): Promise<string> => lab.run(lab.gatewayNs, [process.execPath, CLI, ...argv]);
  await waitFor(async () => usageCounted(await usage(['ai', 'usage', '-o', 'json']), 2), {
    ...PATIENCE,
    what: 'both calls in the usage counters',
  });
  say(
    `csgw ai usage (in the gateway namespace: it asks the admin port 127.0.0.1:8091):\n${await usage(['ai', 'usage'])}`,
  );
  say(
    `try, from the client namespace: sudo ip netns exec ${lab.clientNs} curl -s ${baseUrl}/chat/completions ` +
      `-H 'Authorization: Bearer ${inputs.gatewayKey.value}' -H 'Content-Type: application/json' ` +
      `-d '{"model":"${inputs.models[0]}","messages":[{"role":"user","content":"Hi"}]}'`,
  );
}

/** The first request is a miss the stand-in answers; the same request again is a hit it never sees. */
async function proveCache(deps: AiProofDeps, baseUrl: string): Promise<void> {
  const { lab, inputs, say } = deps;
  const calls = (): Promise<number> => standInCalls(lab, deps.standIn);
  say(
    `the client (${lab.clientNs}) asks ${inputs.models[0]} "${PROMPT}" with the official openai SDK, ` +
      `configured only by OPENAI_BASE_URL=${baseUrl} and a gateway key (id ${inputs.gatewayKey.id}):`,
  );
  const before = await calls();
  const first = await chat(deps, baseUrl);
  const afterFirst = await calls();
  say(`  ${chatLine(first)}; the stand-in has now answered ${afterFirst} call(s)`);
  say('the same request again:');
  const repeat = await chat(deps, baseUrl);
  const afterRepeat = await calls();
  say(`  ${chatLine(repeat)}; the stand-in still has answered ${afterRepeat}: the gateway's cache answered`);
  const problem = cacheProblem(first, repeat, { before, afterFirst, afterRepeat });
  if (problem) throw new Error(`the AI gateway's cache: ${problem}`);
}

async function chat(deps: AiProofDeps, baseUrl: string): Promise<LabChatResult> {
  const { lab, inputs } = deps;
  const [file = '', ...args] = inNs(lab.clientNs, [process.execPath, CLIENT, inputs.models[0] ?? '', PROMPT]);
  const env = { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: inputs.gatewayKey.value };
  const r = await execa(file, args, { env, reject: false });
  if (r.exitCode !== 0) throw new Error(`the lab client's request failed: ${r.stderr.trim()}`);
  return parseChatResult(r.stdout);
}

/** GET /v1/models from the client namespace, as a client would list what the gateway offers. */
async function gatewayModels(deps: AiProofDeps, baseUrl: string): Promise<string[] | undefined> {
  const auth = `Authorization: Bearer ${deps.inputs.gatewayKey.value}`;
  const out = await deps.lab.run(deps.lab.clientNs, [
    'curl',
    '-sS',
    '--fail',
    '-m',
    '2',
    '-H',
    auth,
    `${baseUrl}/models`,
  ]);
  const ids = (JSON.parse(out) as { data?: { id: string }[] }).data?.map((m) => m.id) ?? [];
  return ids.length > 0 ? ids : undefined;
}

async function standInCalls(lab: LabTopology, standIn: AiStandIn): Promise<number> {
  const out = await lab.run(lab.gatewayNs, ['curl', '-sS', '--fail', '-m', '2', '--noproxy', '*', standIn.control]);
  return (JSON.parse(out) as { calls: number }).calls;
}

/**
 * Removes what the lab applied, so no later operator on this store starts a gateway towards a stand-in gone. Never
 * throws: the rest of the lab's cleanup must run.
 */
export async function removeAiGateway(csgw: (args: string[]) => Promise<string>): Promise<string> {
  try {
    return await csgw(['delete', '-f', AI_MANIFEST, '--ignore-not-found']);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return `could not remove the lab's AI gateway resources (${why}): run csgw delete -f examples/lab/ai-gateway.yaml`;
  }
}
