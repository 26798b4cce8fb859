import { execa, type ResultPromise } from 'execa';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defaultDataDir } from '../runtime/config.js';
import { proveAiGateway, readAiInputs, removeAiGateway, startAiStandIn, type AiStandIn } from './ai-demo.js';
import type { LabAiInputs } from './ai-inputs.js';
import { waitFor } from './wait.js';
import { createLabTopology, type LabTopology } from './topology.js';

/**
 * `npm start`: the operator on the embedded SSM endpoint, managing a lab gateway namespace (never the host's own
 * firewall), with a sample SourceNat applied and proven by a request from the lab client, a FirewallPolicy shown
 * blocking it, and the AI gateway answering the client through a local stand-in for OpenAI, then from its cache.
 * Runs until Ctrl-C; `--once` exits after the proof (used by the tests of the README's commands).
 */
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/lab/sourcenat.yaml', import.meta.url));
const FIREWALL = fileURLToPath(new URL('../../examples/lab/firewall.yaml', import.meta.url));
const say = (line: string): void => void process.stdout.write(`[demo] ${line}\n`);

async function csgw(args: string[]): Promise<string> {
  return (await execa(process.execPath, [CLI, ...args], { env: { CSGW_GATEWAY: 'default' } })).stdout;
}

/** The generation `csgw apply` reports: "<Kind>/<name> created (generation 3)". */
function generationOf(applyOutput: string): number | undefined {
  const match = /\(generation (\d+)\)/.exec(applyOutput);
  return match ? Number(match[1]) : undefined;
}

/** True once the kind's controller is Ready for the newest generation it has seen (undefined: keep waiting). */
async function ready(kind: string, generation?: number): Promise<true | undefined> {
  const status = JSON.parse(await csgw(['status', '-o', 'json'])) as {
    controllers: Record<string, { observedGeneration?: number; conditions: { type: string; status: string }[] }>;
  }[];
  const controller = status[0]?.controllers[kind];
  if (!controller?.conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return undefined;
  return controller.observedGeneration === generation ? true : undefined;
}

type Ai = { inputs: LabAiInputs; standIn: AiStandIn };

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  // From the start, so a Ctrl-C during the proof also removes the lab (the children get it from the terminal too).
  // `on`, not `once`: execa's exit hook re-raises a signal that no other listener is left to handle.
  const stop = { requested: false };
  const interrupted = new Promise<'interrupted'>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => {
        stop.requested = true;
        resolve('interrupted');
      });
  });
  say('creating the lab: client (10.77.0.2) -> gateway namespace csgw-gw-demo -> server (203.0.113.2)');
  const lab = await createLabTopology({ gatewayNs: 'create', id: 'demo' });
  // A fresh daemon directory each run: the AI gateway's cache and usage counters start empty, so the first chat is
  // a miss and `csgw ai usage` shows this run only.
  const daemonDir = await mkdtemp(join(tmpdir(), 'csgw-lab-daemons-'));
  await chmod(daemonDir, 0o755);
  let standIn: AiStandIn | undefined;
  let operator: ResultPromise | undefined;
  try {
    const inputs = await readAiInputs();
    standIn = await startAiStandIn(lab, inputs);
    operator = startOperator(lab.gatewayNs ?? '', daemonDir);
    const proof = prove(lab, { inputs, standIn });
    if ((await Promise.race([proof, interrupted])) !== 'interrupted' && !once)
      await untilStopped(operator, interrupted);
  } finally {
    // The operator stops the data plane (csgw ai-gateway) as it exits: the lab does not pass --keep-daemons.
    operator?.kill('SIGTERM');
    await operator;
    await standIn?.stop();
    say(await removeAiGateway(csgw));
    await lab.cleanup();
    await rm(daemonDir, { recursive: true, force: true });
    say('lab removed');
  }
  // A proof step interrupted mid-wait would keep the process alive until its deadline.
  if (stop.requested) process.exit(0);
}

function startOperator(netns: string, daemonDir: string): ResultPromise {
  return execa(
    process.execPath,
    [
      CLI,
      'run',
      // The lab is not EC2: no instance metadata to ask, and the EC2 kinds report that they cannot work here.
      '--imds',
      'off',
      '--netns',
      netns,
      '--poll-interval',
      '2',
      '--status-interval',
      '1',
      '--instance-id',
      'lab-gateway',
      // The lab's store lives in the data dir (~/.csgw): its identity is remembered beside it, so removing one
      // removes both.
      '--state-dir',
      join(defaultDataDir(process.env), 'state'),
      '--daemon-dir',
      daemonDir,
    ],
    {
      env: { CSGW_GATEWAY: 'default' },
      stdout: 'inherit',
      stderr: 'inherit',
      reject: false,
    },
  );
}

async function prove(lab: LabTopology, ai: Ai): Promise<void> {
  say(`before NAT, the client reaches the server: ${(await lab.clientFetch(1)) ? 'yes' : 'no'}`);
  const patience = { timeoutMs: 30_000, intervalMs: 250 };
  await waitFor(async () => (await fetch('http://127.0.0.1:9464/readyz')).status > 0, {
    ...patience,
    what: 'the operator admin endpoint',
  });
  const nat = await csgw(['apply', '-f', EXAMPLE]);
  say(nat);
  await waitFor(() => ready('SourceNat', generationOf(nat)), { ...patience, what: 'SourceNat Ready' });
  const reply = await waitFor(() => lab.clientFetch(), { ...patience, what: 'a reply through NAT' });
  say(`after NAT, the server saw the client's request come from ${reply.remoteAddress} (the gateway's public address)`);
  await proveFirewall(lab, patience);
  await proveAiGateway({
    lab,
    ...ai,
    csgw,
    awaitReady: async (kind, line) => {
      await waitFor(() => ready(kind, generationOf(line)), { ...patience, what: `${kind} Ready` });
    },
    say,
  });
  say(`status:\n${await csgw(['status'])}`);
  say(
    'try, in another terminal: npx csgw get sourcenat | npx csgw status | npx csgw events -w | npx csgw diff --netns csgw-gw-demo',
  );
}

/** A deny rule stops new connections, `csgw explain` names it, and deleting it lets the client through again. */
async function proveFirewall(lab: LabTopology, patience: { timeoutMs: number; intervalMs: number }): Promise<void> {
  const applied = await csgw(['apply', '-f', FIREWALL]);
  say(applied);
  await waitFor(() => ready('FirewallPolicy', generationOf(applied)), { ...patience, what: 'FirewallPolicy Ready' });
  say(`with the deny rule, the client reaches the server: ${(await lab.clientFetch(1)) ? 'yes' : 'no'}`);
  const args = ['--src', '10.77.0.2', '--dst', lab.serverIp, '--dport', String(lab.serverPort)];
  say(`csgw explain ${args.join(' ')}:\n${await csgw(['explain', ...args])}`);
  say(await csgw(['delete', '-f', FIREWALL]));
  await waitFor(() => ready('FirewallPolicy', undefined), { ...patience, what: 'FirewallPolicy removed' });
  const again = await waitFor(() => lab.clientFetch(), { ...patience, what: 'a reply with the rule deleted' });
  say(`rule deleted: the client reaches the server again (seen from ${again.remoteAddress})`);
}

/** Until Ctrl-C (or SIGTERM), or until the operator exits by itself. */
async function untilStopped(operator: ResultPromise, interrupted: Promise<unknown>): Promise<void> {
  say('operator running; Ctrl-C to stop and remove the lab');
  await Promise.race([interrupted, operator]);
}

await main();
