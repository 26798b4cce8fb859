import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import {
  FAKE_AWS_CREDENTIALS,
  FAKE_OPENAI_KEY,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
} from '../testing/fake-llm-upstreams.js';
import { createTopology, ensureImages, Operator, operatorCommand, waitFor, type Topology } from './harness/index.js';
import type { Manifest } from './harness/index.js';
import { firstHost } from './harness/subnets.js';

/**
 * LocalModel in a gateway container: the operator runs the fake vLLM (testing/fake-vllm-main.ts) in place of `vllm
 * serve` through the daemon kit (--assume-gpu, CSGW_VLLM_COMMAND), the AI gateway routes local/<name> to it under the
 * overflow policy, and the fake remote upstreams on the bridge address are the fallback, counting every call. Each
 * model allows one request at a time (maxConcurrency 1), so one long stream puts it at capacity.
 */
const PORT = 8090;
const DATA_PLANE_ADMIN = 8091;
const AUDIT_LOG = '/var/lib/csgw/ai-gateway/audit/audit.log';
const KEY = 'gk-E2E-LOCAL-access-key-00001';
const FALLBACK = 'openai-chat';
/** Words of a prompt that holds the model's one slot: its echo streams for ~3 s at FAKE_VLLM_TOKEN_MS. */
const HOLD_WORDS = 150;
const RESTART_LOOP = [
  'sh',
  '-c',
  'while :; do /usr/local/bin/node /app/dist/cli/main.js "$@"; sleep 0.5; done',
  'loop',
];

type Overflow = Record<string, unknown>;
/** One model per policy; each fake vLLM on its own loopback port. */
const MODELS: Record<string, { port: number; overflow: Overflow }> = {
  llama: { port: 8000, overflow: { policy: 'reject', fallback: FALLBACK } },
  spiller: { port: 8001, overflow: { policy: 'spill', fallback: FALLBACK } },
  waiter: { port: 8002, overflow: { policy: 'queue', fallback: FALLBACK, queue: { maxSize: 1, maxWaitSeconds: 20 } } },
  sealed: { port: 8003, overflow: { policy: 'spill' } },
};

let t: Topology;
let op: Operator;
let fakes: FakeLlmUpstreams;
let generation = 0;
let n = 0;

const client = (): OpenAI =>
  new OpenAI({ apiKey: KEY, baseURL: `http://127.0.0.1:${t.hostPorts[PORT]}/v1`, maxRetries: 0, timeout: 30_000 });
/** A prompt no other call sent (the exact cache never answers it), found again in the audit line by its tag. */
const tag = (what: string): string => `${what}-${++n}-${Date.now()}`;
const remoteCalls = (): number => fakes.count('openai') + fakes.count('anthropic') + fakes.count('bedrock');

function localModel(name: string, overflow = MODELS[name]!.overflow): Manifest {
  return {
    kind: 'LocalModel',
    name,
    spec: {
      weights: { path: `/opt/models/${name}` },
      port: MODELS[name]!.port,
      overflow: { maxConcurrency: 1, firstTokenTimeoutSeconds: 10, ...overflow },
    },
  };
}

function aiGateway(): Manifest {
  return {
    kind: 'AiGateway',
    name: 'default',
    spec: {
      enable: true,
      listen: { port: PORT },
      clientCidrs: [t.publicSubnet, t.privateSubnet],
      providers: [
        {
          name: 'openai',
          type: 'openai',
          baseUrl: fakes.openai.url,
          apiKeySecretRef: { name: 'ai-providers', key: 'openai' },
        },
      ],
      models: [{ name: FALLBACK, provider: 'openai', model: 'openai-primary' }],
      auth: { mode: 'keys', secretRef: { name: 'ai-keys' }, keys: [{ id: 'e2e', models: ['*'] }] },
      limits: { connectTimeoutMs: 1000, firstTokenTimeoutMs: 10_000, retries: 0, backoffMs: 10 },
      audit: { prompts: 'full' },
    },
  };
}

async function chat(model: string, content: string): Promise<string> {
  const r = await client().chat.completions.create({ model, messages: [{ role: 'user', content }] });
  return r.choices[0]?.message.content ?? '';
}

async function streamed(model: string, content: string): Promise<string> {
  let text = '';
  const stream = await client().chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true });
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  return text;
}

/** The error a call ends with (status, code, ms until it came), or the answer's text when it did not fail. */
async function outcome(call: Promise<string>): Promise<{ status?: number; code?: string; ms: number; text?: string }> {
  const started = Date.now();
  try {
    return { text: await call, ms: Date.now() - started };
  } catch (e) {
    const { status, code } = e as { status?: number; code?: string };
    return { status, code, ms: Date.now() - started };
  }
}

/** A long stream on `model`, once its first chunk arrived: it holds the model's one slot until it ends (~3 s). */
async function hold(model: string): Promise<{ done: Promise<string>; said: string }> {
  const said = `${tag('hold')} ${'word '.repeat(HOLD_WORDS).trim()}`;
  const stream = await client().chat.completions.create({
    model,
    messages: [{ role: 'user', content: said }],
    stream: true,
  });
  const chunks = stream[Symbol.asyncIterator]();
  const first = await chunks.next();
  let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '');
  const done = (async (): Promise<string> => {
    for (let c = await chunks.next(); !c.done; c = await chunks.next()) text += c.value.choices[0]?.delta.content ?? '';
    return text;
  })();
  return { done, said };
}

async function curlJson(url: string, body?: object): Promise<unknown> {
  const post = body ? ['-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify(body)] : [];
  const r = await t.exec('gateway', ['curl', '-sf', '--max-time', '3', ...post, url]);
  if (r.exitCode !== 0) throw new Error(`curl ${url}: exit ${r.exitCode} ${r.stderr}`);
  return r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout);
}

/** The data plane's view of a local model: its policy, requests running and queued. */
async function gatewayLocal(name: string): Promise<{ policy: string; running: number; queued: number } | undefined> {
  const s = (await curlJson(`http://127.0.0.1:${DATA_PLANE_ADMIN}/status`)) as {
    localModels: { name: string; policy: string; running: number; queued: number }[];
  };
  return s.localModels.find((m) => m.name === `local/${name}`);
}

/** Sets a fault in a fake vLLM through its control API (FAKE_VLLM_CONTROL=1). */
const fault = (name: string, f: object): Promise<unknown> =>
  curlJson(`http://127.0.0.1:${MODELS[name]!.port}/fake/faults`, f);
const vllmCalls = async (name: string): Promise<number> =>
  ((await curlJson(`http://127.0.0.1:${MODELS[name]!.port}/fake/stats`)) as { calls: number }).calls;

type ModelStatus = { name: string; phase: string; running?: { pid?: number } };
async function modelStatuses(): Promise<ModelStatus[]> {
  return ((await op.controller('LocalModel'))?.details.models ?? []) as ModelStatus[];
}
const pidOf = async (name: string): Promise<number | undefined> =>
  (await modelStatuses()).find((m) => m.name === name)?.running?.pid;

async function auditLines(): Promise<Record<string, unknown>[]> {
  const r = await t.exec('gateway', ['cat', AUDIT_LOG]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The audit line of the call whose prompt holds `said` (prompts are captured in full here). */
async function auditOf(said: string): Promise<Record<string, unknown>> {
  const mark = said.split(' ')[0]!;
  return waitFor(async () => (await auditLines()).find((l) => JSON.stringify(l.prompt ?? '').includes(mark)), {
    timeoutMs: 10_000,
    what: `the audit line of ${mark}`,
  });
}

/** Applies LocalModels, then waits until the operator and the data plane both run them with these policies. */
async function applyLocal(...docs: Manifest[]): Promise<void> {
  await op.apply(...docs);
  generation++;
  await op.waitForReady('LocalModel', generation, {
    timeoutMs: 60_000,
    accept: (s) => (s.details.models as ModelStatus[]).every((m) => m.phase === 'Serving'),
  });
  await waitFor(
    async () => {
      for (const d of docs) {
        const want = (d.spec.overflow as Overflow).policy;
        if ((await gatewayLocal(d.name))?.policy !== want) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, what: 'the data plane on the new overflow policies' },
  );
}

/** Kills every fake vLLM (kill -9) and resolves once none answers: the outage has begun. */
async function killVllm(): Promise<void> {
  await t.exec('gateway', ['pkill', '-9', '-f', 'fake-vllm-main']);
  await waitFor(
    async () => {
      const probes = Object.values(MODELS).map(({ port }) =>
        t.exec('gateway', ['curl', '-s', '--max-time', '1', `http://127.0.0.1:${port}/health`]),
      );
      return (await Promise.all(probes)).every((r) => r.exitCode !== 0);
    },
    { timeoutMs: 10_000, intervalMs: 50, what: 'every fake vLLM gone' },
  );
}

/** Waits until the kit has started every model again (new pids) and it serves. */
async function waitRestarted(before: Record<string, number | undefined>): Promise<void> {
  await waitFor(
    async () => {
      const ms = await modelStatuses();
      return Object.keys(MODELS).every((name) => {
        const m = ms.find((s) => s.name === name);
        return m?.phase === 'Serving' && m.running?.pid !== undefined && m.running.pid !== before[name];
      });
    },
    { timeoutMs: 60_000, what: 'every vLLM restarted and serving' },
  );
}

async function pids(): Promise<Record<string, number | undefined>> {
  const ms = await modelStatuses();
  return Object.fromEntries(Object.keys(MODELS).map((name) => [name, ms.find((m) => m.name === name)?.running?.pid]));
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('local-model', {
    gatewayEntrypoint: RESTART_LOOP,
    gatewayCommand: operatorCommand(['--keep-daemons']),
    gatewayPorts: [4566, 9464, PORT],
    gatewayEnv: {
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
      CSGW_ASSUME_GPU: 'true',
      CSGW_VLLM_COMMAND: JSON.stringify(['/usr/local/bin/node', '/app/dist/testing/fake-vllm-main.js']),
      FAKE_VLLM_CONTROL: '1',
      FAKE_VLLM_TOKEN_MS: '20',
      // A restarted vLLM stays down this long ("loading"): the outage after a kill -9 is long enough to probe.
      FAKE_VLLM_LOAD_MS: '3000',
    },
  });
  fakes = await startFakeLlmUpstreams(firstHost(t.publicSubnet));
  op = await Operator.connect(t);
  await op.apply(
    { kind: 'Secret', name: 'ai-providers', spec: { data: { openai: FAKE_OPENAI_KEY } } },
    { kind: 'Secret', name: 'ai-keys', spec: { data: { e2e: KEY } } },
    aiGateway(),
  );
  await op.waitForReady('AiGateway', 1, { timeoutMs: 60_000 });
  await applyLocal(...Object.keys(MODELS).map((name) => localModel(name)));
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await fakes?.close();
  await t?.cleanup();
}, 60_000);

describe('local/<name> served by vLLM on the instance', () => {
  it('answers through the openai SDK, streamed and not; Ready, Serving, listed in /v1/models', async () => {
    const remote = remoteCalls();
    const said = tag('hello');
    expect(await chat('local/llama', said)).toBe(`local: ${said}`);
    const again = tag('stream');
    expect(await streamed('local/llama', again)).toBe(`local: ${again}`);
    expect(remoteCalls()).toBe(remote);
    const status = await op.controller('LocalModel');
    expect(status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
    );
    expect(status?.details.models).toEqual(
      Object.entries(MODELS).map(([name, { port }]) =>
        expect.objectContaining({ name, phase: 'Serving', listen: `127.0.0.1:${port}`, endpoint: `local/${name}` }),
      ),
    );
    expect(JSON.stringify(status)).toContain('SpillWithoutFallback');
    const ids = (await client().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([...Object.keys(MODELS).map((m) => `local/${m}`), FALLBACK]));
    expect(await auditOf(said)).toMatchObject({
      status: 200,
      requestedModel: 'local/llama',
      local: { policy: 'reject', decision: 'served', queuedMs: 0 },
    });
  }, 30_000);
});

describe('overload: one long stream holds the only slot', () => {
  it('reject: 429 local_capacity at once, and the stream in flight ends whole', async () => {
    const remote = remoteCalls();
    const held = await hold('local/llama');
    const said = tag('rejected');
    const second = await outcome(chat('local/llama', said));
    expect(second).toMatchObject({ status: 429, code: 'local_capacity' });
    expect(second.ms).toBeLessThan(1_000);
    expect(await held.done).toBe(`local: ${held.said}`);
    expect(remoteCalls()).toBe(remote);
    expect(await auditOf(said)).toMatchObject({
      status: 429,
      local: { policy: 'reject', decision: 'rejected', queuedMs: 0, reason: 'at_capacity' },
    });
  }, 30_000);

  it('spill: the fallback answers, one remote call', async () => {
    const remote = fakes.count('openai', 'openai-primary');
    const held = await hold('local/spiller');
    const said = tag('spilled');
    expect(await chat('local/spiller', said)).toBe(`echo: ${said}`);
    expect(fakes.count('openai', 'openai-primary')).toBe(remote + 1);
    await held.done;
    expect(await auditOf(said)).toMatchObject({
      status: 200,
      local: { policy: 'spill', decision: 'spilled', spilledTo: FALLBACK, reason: 'at_capacity' },
    });
  }, 30_000);

  it('spill without a fallback rejects: 429, nothing leaves', async () => {
    const remote = remoteCalls();
    const held = await hold('local/sealed');
    expect(await outcome(chat('local/sealed', tag('sealed')))).toMatchObject({ status: 429, code: 'local_capacity' });
    await held.done;
    expect(remoteCalls()).toBe(remote);
  }, 30_000);

  it('queue: waits and is served locally; with the queue full, 429 local_queue_full', async () => {
    const remote = remoteCalls();
    const held = await hold('local/waiter');
    const said = tag('queued');
    const waiting = outcome(chat('local/waiter', said));
    await waitFor(async () => (await gatewayLocal('waiter'))?.queued === 1, { timeoutMs: 5_000, what: 'one queued' });
    const full = tag('full');
    expect(await outcome(chat('local/waiter', full))).toMatchObject({ status: 429, code: 'local_queue_full' });
    expect(await held.done).toBe(`local: ${held.said}`);
    expect(await waiting).toMatchObject({ text: `local: ${said}` });
    expect(remoteCalls()).toBe(remote);
    const line = await auditOf(said);
    expect(line).toMatchObject({ status: 200, local: { policy: 'queue', decision: 'served' } });
    expect((line.local as { queuedMs: number }).queuedMs).toBeGreaterThan(500);
    expect(await auditOf(full)).toMatchObject({ status: 429, local: { decision: 'rejected', reason: 'queue_full' } });
  }, 30_000);

  it('queue: a client that disconnects leaves the queue; the next one is served', async () => {
    const calls = await vllmCalls('waiter');
    const held = await hold('local/waiter');
    const gone = new AbortController();
    const left = tag('gone');
    const leaving = client()
      .chat.completions.create(
        { model: 'local/waiter', messages: [{ role: 'user', content: left }] },
        { signal: gone.signal },
      )
      .catch((e: unknown) => e);
    await waitFor(async () => (await gatewayLocal('waiter'))?.queued === 1, { timeoutMs: 5_000, what: 'one queued' });
    gone.abort();
    await leaving;
    await waitFor(async () => (await gatewayLocal('waiter'))?.queued === 0, { timeoutMs: 5_000, what: 'it left' });
    const next = tag('next');
    const served = outcome(chat('local/waiter', next));
    await held.done;
    expect(await served).toMatchObject({ text: `local: ${next}` });
    // vLLM saw the stream and the next one, never the request that left.
    expect(await vllmCalls('waiter')).toBe(calls + 2);
    expect(await auditOf(left)).toMatchObject({
      status: 499,
      errorCode: 'client_closed',
      local: { policy: 'queue', decision: 'rejected', reason: 'client_gone' },
    });
  }, 30_000);

  it('a policy re-applied takes effect without restarting vLLM: queue with a 1 s wait, 503 local_queue_timeout', async () => {
    const pid = await pidOf('llama');
    const queue = { policy: 'queue', fallback: FALLBACK, queue: { maxSize: 1, maxWaitSeconds: 1 } };
    await applyLocal(localModel('llama', queue));
    try {
      expect(await pidOf('llama')).toBe(pid);
      const remote = remoteCalls();
      const held = await hold('local/llama');
      const said = tag('timed-out');
      const late = await outcome(chat('local/llama', said));
      expect(late).toMatchObject({ status: 503, code: 'local_queue_timeout' });
      expect(late.ms).toBeGreaterThanOrEqual(900);
      expect(late.ms).toBeLessThan(2_500);
      expect(await held.done).toBe(`local: ${held.said}`);
      expect(remoteCalls()).toBe(remote);
      const line = await auditOf(said);
      expect(line).toMatchObject({
        status: 503,
        local: { policy: 'queue', decision: 'rejected', reason: 'queue_timeout' },
      });
      expect((line.local as { queuedMs: number }).queuedMs).toBeGreaterThanOrEqual(900);
    } finally {
      // Back to reject whatever happened: the later tests rely on it.
      await applyLocal(localModel('llama'));
    }
    expect(await pidOf('llama')).toBe(pid);
  }, 90_000);
});

describe('a dead server: 503 before the first byte, and kill -9', () => {
  it('503 before the first byte: reject 503, spill to the fallback, queue retries and is served', async () => {
    for (const name of Object.keys(MODELS)) await fault(name, { status: 503, calls: 1 });
    const remote = fakes.count('openai', 'openai-primary');
    const said = Object.fromEntries(Object.keys(MODELS).map((name) => [name, tag(`dead-${name}`)]));
    const [llama, spiller, waiter, sealed] = await Promise.all(
      Object.keys(MODELS).map((name) => outcome(chat(`local/${name}`, said[name]!))),
    );
    expect(llama).toMatchObject({ status: 503, code: 'local_unavailable' });
    expect(llama!.ms).toBeLessThan(1_000);
    expect(sealed).toMatchObject({ status: 503, code: 'local_unavailable' });
    expect(spiller).toMatchObject({ text: `echo: ${said.spiller}` });
    expect(waiter).toMatchObject({ text: `local: ${said.waiter}` });
    expect(fakes.count('openai', 'openai-primary')).toBe(remote + 1);
    expect(await auditOf(said.llama!)).toMatchObject({ status: 503, local: { decision: 'rejected' } });
    expect(await auditOf(said.spiller!)).toMatchObject({ local: { decision: 'spilled', spilledTo: FALLBACK } });
    expect(await auditOf(said.waiter!)).toMatchObject({ status: 200, local: { policy: 'queue', decision: 'served' } });
  }, 30_000);

  it('kill -9: during the outage each policy holds; the kit restarts vLLM and it serves again', async () => {
    const before = await pids();
    await killVllm();
    const remote = fakes.count('openai', 'openai-primary');
    const said = Object.fromEntries(Object.keys(MODELS).map((name) => [name, tag(`killed-${name}`)]));
    const waiting = outcome(chat('local/waiter', said.waiter!));
    const [llama, spiller, sealed] = await Promise.all(
      ['llama', 'spiller', 'sealed'].map((name) => outcome(chat(`local/${name}`, said[name]!))),
    );
    expect(llama).toMatchObject({ status: 503, code: 'local_unavailable' });
    expect(llama!.ms).toBeLessThan(1_000);
    expect(sealed).toMatchObject({ status: 503, code: 'local_unavailable' });
    expect(spiller).toMatchObject({ text: `echo: ${said.spiller}` });
    expect(fakes.count('openai', 'openai-primary')).toBe(remote + 1);
    await waitRestarted(before);
    expect(await waiting).toMatchObject({ text: `local: ${said.waiter}` });
    const line = await auditOf(said.waiter!);
    expect(line).toMatchObject({ status: 200, local: { policy: 'queue', decision: 'served' } });
    expect((line.local as { queuedMs: number }).queuedMs).toBeGreaterThan(1_000);
    for (const name of Object.keys(MODELS)) {
      const after = tag(`back-${name}`);
      expect(await chat(`local/${name}`, after)).toBe(`local: ${after}`);
    }
    expect(fakes.count('openai', 'openai-primary')).toBe(remote + 1);
  }, 90_000);
});

describe('zero egress: queue, reject and a spill without fallback send nothing out', () => {
  it('across overload, a 503 before the first byte and kill -9, the remote fakes count no call', async () => {
    // reject (with a fallback configured), queue (likewise) and spill without one: 429/503 or served here, never out.
    const kept = ['llama', 'waiter', 'sealed'];
    const statuses: Record<string, (number | undefined)[]> = {};
    const remote = remoteCalls();
    for (const name of kept) {
      const held = await hold(`local/${name}`);
      const overload = await outcome(chat(`local/${name}`, tag(`overload-${name}`)));
      await held.done;
      await fault(name, { status: 503, calls: 1 });
      statuses[name] = [overload.status, (await outcome(chat(`local/${name}`, tag(`503-${name}`)))).status];
    }
    const before = await pids();
    await killVllm();
    const during = await Promise.all(kept.map((name) => outcome(chat(`local/${name}`, tag(`outage-${name}`)))));
    kept.forEach((name, i) => statuses[name]!.push(during[i]!.status));
    expect(statuses).toEqual({
      llama: [429, 503, 503],
      waiter: [undefined, undefined, undefined],
      sealed: [429, 503, 503],
    });
    await waitRestarted(before);
    expect(remoteCalls()).toBe(remote);
    // And no slot or queue place is left behind by any of it.
    for (const name of Object.keys(MODELS)) expect(await gatewayLocal(name)).toMatchObject({ running: 0, queued: 0 });
  }, 90_000);
});
