import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { ControllerStatus } from '../runtime/status-types.js';
import {
  FAKE_ANTHROPIC_KEY,
  FAKE_AWS_CREDENTIALS,
  FAKE_OPENAI_KEY,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
  type UpstreamName,
} from '../testing/fake-llm-upstreams.js';
import {
  createTopology,
  ensureImages,
  Operator,
  operatorCommand,
  waitFor,
  type Manifest,
  type Topology,
} from './harness/index.js';
import { firstHost } from './harness/subnets.js';

/**
 * AiGateway in a gateway container: the operator runs the data plane through the daemon kit; the openai SDK in this
 * process calls it on :8090 (published on loopback); the three fake upstreams run in this process on the test
 * network's bridge address, so the gateway reaches them as it would reach a provider.
 */
const KIND = 'AiGateway';
const PORT = 8090;
const AUDIT_LOG = '/var/lib/csgw/ai-gateway/audit/audit.log';
const KEYS = { full: 'gk-E2E-FULL-access-key-000001', limited: 'gk-E2E-LIMITED-key-0000000002' };
const PROVIDERS: UpstreamName[] = ['openai', 'anthropic', 'bedrock'];
const price = { input: 2, output: 8, cachedInput: 1 };
// The operator in a restart loop, as the appliance's unit runs it (Restart=always); "$@" carries its arguments.
const RESTART_LOOP = [
  'sh',
  '-c',
  'while :; do /usr/local/bin/node /app/dist/cli/main.js "$@"; sleep 0.5; done',
  'loop',
];

let t: Topology;
let op: Operator;
let fakes: FakeLlmUpstreams;
let generation = 0;

const client = (key = KEYS.full): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${t.hostPorts[PORT]}/v1`, maxRetries: 0, timeout: 30_000 });

function secrets(): Manifest[] {
  return [
    {
      kind: 'Secret',
      name: 'ai-providers',
      spec: { data: { openai: FAKE_OPENAI_KEY, anthropic: FAKE_ANTHROPIC_KEY } },
    },
    { kind: 'Secret', name: 'ai-keys', spec: { data: { full: KEYS.full, limited: KEYS.limited } } },
  ];
}

function aiGateway(extraModels: Record<string, unknown>[] = []): Manifest {
  const models = PROVIDERS.flatMap((p) => [
    { name: `${p}-chat`, provider: p, model: `${p}-primary`, price, fallback: [`${p}-backup`] },
    { name: `${p}-backup`, provider: p, model: `${p}-backup`, price },
  ]);
  return {
    kind: KIND,
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
        {
          name: 'anthropic',
          type: 'anthropic',
          baseUrl: fakes.anthropic.url,
          apiKeySecretRef: { name: 'ai-providers', key: 'anthropic' },
        },
        { name: 'bedrock', type: 'bedrock', baseUrl: fakes.bedrock.url, region: 'us-east-1' },
      ],
      models: [...models, ...extraModels],
      auth: {
        mode: 'keys',
        secretRef: { name: 'ai-keys' },
        keys: [
          { id: 'full', models: ['*'] },
          { id: 'limited', models: ['openai-chat'], rpm: 2 },
        ],
      },
      limits: { connectTimeoutMs: 1000, firstTokenTimeoutMs: 2000, retries: 0, backoffMs: 10 },
    },
  };
}

async function apply(...docs: Manifest[]): Promise<ControllerStatus> {
  await op.apply(...docs);
  generation++;
  return op.waitForReady(KIND, generation, { timeoutMs: 60_000 });
}

async function auditLines(): Promise<Record<string, unknown>[]> {
  const r = await t.exec('gateway', ['cat', AUDIT_LOG]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function streamText(model: string, content: string, key = KEYS.full): Promise<string> {
  let text = '';
  for await (const c of await client(key).chat.completions.create({
    model,
    messages: [{ role: 'user', content }],
    stream: true,
  }))
    text += c.choices[0]?.delta.content ?? '';
  return text;
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('ai-gateway', {
    gatewayEntrypoint: RESTART_LOOP,
    gatewayCommand: operatorCommand(['--keep-daemons']),
    gatewayPorts: [4566, 9464, PORT],
    gatewayEnv: {
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    },
  });
  fakes = await startFakeLlmUpstreams(firstHost(t.publicSubnet));
  op = await Operator.connect(t);
  await op.apply(...secrets());
  const ready = await apply(aiGateway());
  expect(ready.details).toMatchObject({ enabled: true });
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await fakes?.close();
  await t?.cleanup();
}, 60_000);

describe.each(PROVIDERS)('AiGateway in a gateway container, to %s', (p) => {
  const model = `${p}-chat`;

  it('answers chats, streamed and not, and tool calls, through the openai SDK', async () => {
    const said = `hello from e2e ${p}`;
    const reply = await client().chat.completions.create({ model, messages: [{ role: 'user', content: said }] });
    expect(reply.choices[0]?.message.content).toBe(`echo: ${said}`);
    expect(await streamText(model, `${said} streamed`)).toBe(`echo: ${said} streamed`);
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'lookup', parameters: { type: 'object', properties: { text: { type: 'string' } } } },
      },
    ];
    const ask = p === 'openai' ? 'call lookup rain' : 'call lookup {"text":"rain"}';
    const called = await client().chat.completions.create({ model, messages: [{ role: 'user', content: ask }], tools });
    expect(called.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('answers a repeat from the cache: no upstream call, and the audit line says hit', async () => {
    const messages = [{ role: 'user' as const, content: `cache e2e ${p}` }];
    await client().chat.completions.create({ model, messages });
    const calls = fakes.count(p);
    const again = await client().chat.completions.create({ model, messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('hit');
    expect(fakes.count(p)).toBe(calls);
    const id = again.response.headers.get('x-request-id');
    const line = await waitFor(async () => (await auditLines()).find((l) => l.requestId === id), {
      timeoutMs: 10_000,
      what: 'the audit line of the hit',
    });
    expect(line).toMatchObject({ cache: 'hit', status: 200, keyId: 'full', requestedModel: model });
  });

  it('falls back to the next target on a 429 before the first byte', async () => {
    fakes.fault(p, `${p}-primary`, 'status429');
    const backup = fakes.count(p, `${p}-backup`);
    const reply = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: `fallback e2e ${p}` }],
    });
    expect(reply.choices[0]?.message.content).toBe(`echo: fallback e2e ${p}`);
    expect(fakes.count(p, `${p}-backup`)).toBe(backup + 1);
  });

  it('ends a stream dropped mid-way with an error and no [DONE]', async () => {
    fakes.fault(p, `${p}-primary`, 'drop');
    await expect(streamText(model, `drop e2e stream for ${p} now`)).rejects.toThrow();
  });
});

describe('AiGateway keys, reload and audit', () => {
  it('holds a key to its models and its requests per minute', async () => {
    await expect(
      client(KEYS.limited).chat.completions.create({
        model: 'anthropic-chat',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 403 });
    await client(KEYS.limited).chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'one' }],
    });
    await client(KEYS.limited).chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'two' }],
    });
    const refused = await client(KEYS.limited)
      .chat.completions.create({ model: 'openai-chat', messages: [{ role: 'user', content: 'three' }] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 429, headers: expect.anything() });
    expect(Number((refused as { headers: Headers }).headers.get('retry-after'))).toBeGreaterThan(0);
    await expect(client('gk-not-a-key-of-this-gateway').models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('reloads hitlessly: a stream in flight finishes on the old config while a new model goes live', async () => {
    const before = (await op.controller(KIND))?.details as { running?: { pid?: number } } | undefined;
    // The stream is held upstream after its first events until the reload is live: it is in flight throughout.
    fakes.openai.faults.next({ holdAfterEvents: 3 });
    const said = 'one two three four five six seven eight';
    const inFlight = streamText('openai-chat', said);
    await waitFor(() => Promise.resolve(fakes.openai.held() === 1), { timeoutMs: 10_000, what: 'the stream held' });
    await apply(aiGateway([{ name: 'added-live', provider: 'openai', model: 'added-live', price }]));
    fakes.openai.release();
    expect(await inFlight).toBe(`echo: ${said}`);
    const added = await client().chat.completions.create({
      model: 'added-live',
      messages: [{ role: 'user', content: 'new' }],
    });
    expect(added.choices[0]?.message.content).toBe('echo: new');
    const after = (await op.controller(KIND))?.details as { running?: { pid?: number } } | undefined;
    expect(after?.running?.pid).toBe(before?.running?.pid);
  }, 60_000);

  it('shows listening, models, provider health, cache and requests in status', async () => {
    const s = await waitFor(
      async () => {
        const status = await op.controller(KIND);
        const d = status?.details as { cache?: { hits?: number } } | undefined;
        return (d?.cache?.hits ?? 0) > 0 && status;
      },
      { timeoutMs: 20_000, what: 'cache hits in status' },
    );
    expect(JSON.stringify(s.details)).toContain('openai-chat');
    expect(s.details).toMatchObject({ runsAs: 'csgw-ai' });
    for (const secret of [...Object.values(KEYS), FAKE_OPENAI_KEY, FAKE_ANTHROPIC_KEY])
      expect(JSON.stringify(s)).not.toContain(secret);
  });

  it('writes no secret into the audit log (0600), and meters usage', async () => {
    const lines = await auditLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of [
      ...Object.values(KEYS),
      FAKE_OPENAI_KEY,
      FAKE_ANTHROPIC_KEY,
      FAKE_AWS_CREDENTIALS.secretAccessKey,
    ]) {
      const grep = await t.exec('gateway', ['grep', '-rlF', secret, '/var/lib/csgw/ai-gateway/audit']);
      expect(grep.exitCode).toBe(1);
    }
    expect((await t.exec('gateway', ['stat', '-c', '%a', AUDIT_LOG])).stdout.trim()).toBe('600');
    const usage = await t.exec('gateway', ['node', '/app/dist/cli/main.js', 'ai', 'usage', '--by', 'key']);
    expect(usage.exitCode).toBe(0);
    expect(usage.stdout).toMatch(/^full\s+\d+/m);
  }, 30_000);

  it('keeps serving across an operator restart: a stream in flight finishes, the new operator adopts the process', async () => {
    const pid = (d: unknown): number | undefined => (d as { running?: { pid?: number } } | undefined)?.running?.pid;
    const before = pid((await op.controller(KIND))?.details);
    expect(before).toEqual(expect.any(Number));
    fakes.openai.faults.next({ holdAfterEvents: 3 });
    const said = 'across the operator restart this stream keeps on going to its end';
    const inFlight = streamText('openai-chat', said);
    await waitFor(() => Promise.resolve(fakes.openai.held() === 1), { timeoutMs: 10_000, what: 'the stream held' });
    const operator = (
      await t.exec('gateway', ['pgrep', '-f', '^/usr/local/bin/node /app/dist/cli/main.js run'])
    ).stdout.trim();
    await t.exec('gateway', ['kill', '-TERM', operator]);
    await waitFor(
      async () => {
        const now = (
          await t.exec('gateway', ['pgrep', '-f', '^/usr/local/bin/node /app/dist/cli/main.js run'])
        ).stdout.trim();
        return now !== '' && now !== operator;
      },
      { timeoutMs: 30_000, what: 'the operator restarted' },
    );
    fakes.openai.release();
    expect(await inFlight).toBe(`echo: ${said}`);
    const adopted = await waitFor(
      async () => {
        const s = await op.controller(KIND).catch(() => undefined);
        return (
          s?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') && pid(s.details) !== undefined && s
        );
      },
      { timeoutMs: 60_000, what: 'the new operator reports the gateway ready' },
    );
    expect(pid(adopted.details)).toBe(before);
  }, 120_000);
});
