import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import {
  FAKE_ANTHROPIC_KEY,
  FAKE_AWS_CREDENTIALS,
  FAKE_OPENAI_KEY,
  fakeGatewayConfig,
  GATEWAY_KEYS,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
  type UpstreamName,
} from '../testing/fake-llm-upstreams.js';
import { waitFor } from '../testing/wait.js';
import type { AiGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './daemon.js';

let fakes: FakeLlmUpstreams;
let dir: string;
let configFile: string;
let config: AiGatewayConfig;
let gw: RunningGateway;
let base: string;

const client = (key = GATEWAY_KEYS.teamA): OpenAI => new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
  });
  fakes = await startFakeLlmUpstreams();
  dir = await mkdtemp(join(tmpdir(), 'csgw-aigw-'));
  configFile = join(dir, 'ai-gateway.json');
  config = fakeGatewayConfig(dir, {
    openai: fakes.openai.url,
    anthropic: fakes.anthropic.url,
    bedrock: fakes.bedrock.url,
  });
  await writeFile(configFile, JSON.stringify(config));
  gw = await startGateway(configFile, pino({ level: 'silent' }));
  base = `http://127.0.0.1:${gw.listening.port}`;
});

afterAll(async () => {
  await gw?.stop();
  await fakes?.close();
  await rm(dir, { recursive: true, force: true });
});

async function auditLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(config.audit.file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const providers: UpstreamName[] = ['openai', 'anthropic', 'bedrock'];

describe.each(providers)('through the gateway to %s', (p) => {
  const model = `${p}-chat`;

  it('answers a chat, streamed and not, with usage', async () => {
    const said = `hello ${p} ${Date.now()}`;
    const reply = await client().chat.completions.create({ model, messages: [{ role: 'user', content: said }] });
    expect(reply.choices[0]?.message.content).toBe(`echo: ${said}`);
    expect(reply.usage?.prompt_tokens).toBeGreaterThan(0);
    const stream = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: `${said}!` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(`echo: ${said}!`);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  it('calls tools', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'lookup',
          description: 'look up',
          parameters: { type: 'object', properties: { text: { type: 'string' } } },
        },
      },
    ];
    const said = p === 'openai' ? 'call lookup the weather' : 'call lookup {"text":"the weather"}';
    const reply = await client().chat.completions.create({ model, messages: [{ role: 'user', content: said }], tools });
    expect(reply.choices[0]?.finish_reason).toBe('tool_calls');
    const call = reply.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('lookup');
  });

  it('answers a repeat from the cache without calling upstream, streamed too', async () => {
    const messages = [{ role: 'user' as const, content: `cache me ${p} ${Date.now()}` }];
    const first = await client().chat.completions.create({ model, messages }).withResponse();
    expect(first.response.headers.get('x-csgw-cache')).toBe('miss');
    const calls = fakes.count(p);
    const again = await client().chat.completions.create({ model, messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('hit');
    expect(again.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    let streamed = '';
    for await (const c of await client().chat.completions.create({ model, messages, stream: true }))
      streamed += c.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(first.data.choices[0]?.message.content);
    expect(fakes.count(p)).toBe(calls);
    const bypass = await client()
      .chat.completions.create({ model, messages }, { headers: { 'cache-control': 'no-cache' } })
      .withResponse();
    expect(bypass.response.headers.get('x-csgw-cache')).toBe('bypass');
    expect(fakes.count(p)).toBe(calls + 1);
    const hit = (await auditLines()).find((l) => l.requestId === again.response.headers.get('x-request-id'));
    expect(hit).toMatchObject({ cache: 'hit', status: 200, costUsd: 0 });
    expect(hit?.savedUsd).toBeGreaterThan(0);
  });

  it('falls back to the next target on a 429 before the first byte', async () => {
    fakes.fault(p, `${p}-primary`, 'status429');
    fakes.fault(p, `${p}-primary`, 'status429');
    const backup = fakes.count(p, `${p}-backup`);
    const reply = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: `fallback ${Date.now()}` }],
    });
    expect(reply.choices[0]?.message.content).toMatch(/^echo: fallback/);
    expect(fakes.count(p, `${p}-backup`)).toBe(backup + 1);
  });

  it("serves a fallback's answer but never caches it as the primary's", async () => {
    const messages = [{ role: 'user' as const, content: `fallback not cached ${p} ${Date.now()}` }];
    fakes.fault(p, `${p}-primary`, 'status429');
    fakes.fault(p, `${p}-primary`, 'status429');
    await client().chat.completions.create({ model, messages });
    const primary = fakes.count(p, `${p}-primary`);
    const again = await client().chat.completions.create({ model, messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('miss');
    expect(fakes.count(p, `${p}-primary`)).toBe(primary + 1);
  });

  it('falls back when the upstream hangs before its first token', async () => {
    fakes.fault(p, `${p}-primary`, 'hang');
    fakes.fault(p, `${p}-primary`, 'hang');
    const stream = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: `hang ${Date.now()}` }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/^echo: hang/);
  });

  it('aborts the upstream call when the client goes away mid-stream', async () => {
    fakes.stall(p, `${p}-primary`);
    const gone = fakes.disconnects(p);
    const abort = new AbortController();
    const stream = await client().chat.completions.create(
      { model, messages: [{ role: 'user', content: `leave early ${p} ${Date.now()}` }], stream: true },
      { signal: abort.signal },
    );
    for await (const _chunk of stream) break;
    abort.abort();
    await waitFor(() => Promise.resolve(fakes.disconnects(p) === gone + 1), {
      timeoutMs: 5000,
      what: `${p} sees the call aborted`,
    });
  });

  it('ends a stream cut mid-way with an error event and no [DONE], and does not cache it', async () => {
    fakes.fault(p, `${p}-primary`, 'drop');
    const said = `drop this stream now ${p} ${Date.now()}`;
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: said }], stream: true });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toMatch(
      /^data: \{"error":\{"message":".+","type":"upstream_error","code":"upstream_stream_failed"/,
    );
    expect(events.some((e) => e.includes('[DONE]'))).toBe(false);
    const calls = fakes.count(p, `${p}-primary`);
    const again = await client()
      .chat.completions.create({ model, messages: [{ role: 'user', content: said }] })
      .withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('miss');
    expect(again.data.choices[0]?.message.content).toBe(`echo: ${said}`);
    expect(fakes.count(p, `${p}-primary`)).toBe(calls + 1);
  });
});

describe('keys, limits and bad input', () => {
  it('refuses a missing or wrong key, and a model the key may not use', async () => {
    await expect(client('gk-wrong').models.list()).rejects.toMatchObject({ status: 401 });
    await expect(
      client(GATEWAY_KEYS.teamB).chat.completions.create({
        model: 'anthropic-chat',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('answers 429 with retry-after past a key rpm', async () => {
    const c = client(GATEWAY_KEYS.teamB);
    await c.chat.completions.create({ model: 'openai-chat', messages: [{ role: 'user', content: 'one' }] });
    await c.chat.completions.create({ model: 'openai-chat', messages: [{ role: 'user', content: 'two' }] });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai-chat', messages: [{ role: 'user', content: 'three' }] }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
  });

  it.each([
    ['malformed JSON', '{"model":', 400, 'invalid_json'],
    ['a wrong type', JSON.stringify({ model: 'openai-chat', messages: 'hi' }), 400, 'invalid_request'],
    [
      'an unknown model',
      JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      404,
      'model_not_found',
    ],
    [
      'a local model',
      JSON.stringify({ model: 'local/llama', messages: [{ role: 'user', content: 'x' }] }),
      404,
      'model_not_found',
    ],
    [
      'a huge body',
      JSON.stringify({ model: 'openai-chat', messages: [{ role: 'user', content: 'x'.repeat(2 << 20) }] }),
      413,
      'request_too_large',
    ],
  ])('refuses %s with a clear 4xx and no upstream call', async (_what, body, status, code) => {
    const before = providers.map((p) => fakes.count(p));
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
    const id = res.headers.get('x-request-id');
    await waitFor(async () => (await auditLines()).some((l) => l.requestId === id && l.errorCode === code), {
      timeoutMs: 5000,
      what: 'the refused call audited',
    });
    expect(providers.map((p) => fakes.count(p))).toEqual(before);
  });

  it('never forwards client headers upstream', async () => {
    const said = `headers ${Date.now()}`;
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${GATEWAY_KEYS.teamA}`,
        'content-type': 'application/json',
        'x-api-key': 'client-injected',
        'x-forwarded-host': 'evil.example',
        cookie: 'a=b',
      },
      body: JSON.stringify({ model: 'openai-chat', messages: [{ role: 'user', content: said }] }),
    });
    expect(res.status).toBe(200);
    const call = fakes.openai.log.calls.find((c) => JSON.stringify(c.body).includes(said));
    const seen = call!.headers;
    expect(seen.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    expect(seen['x-api-key']).toBeUndefined();
    expect(seen['x-forwarded-host']).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
  });

  it('answers embeddings and lists the configured models', async () => {
    const e = await client().embeddings.create({ model: 'openai-embed', input: ['a', 'b'] });
    expect(e.data).toHaveLength(2);
    const t = await client().embeddings.create({ model: 'titan-embed', input: 'hello' });
    expect(t.data[0]?.embedding.length).toBeGreaterThan(0);
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(
      expect.arrayContaining(['openai-chat', 'anthropic-chat', 'bedrock-chat']),
    );
  });
});

describe('passthrough routes', () => {
  it('routes a prefixed model without a table entry', async () => {
    const reply = await client().chat.completions.create({
      model: 'openai/gpt-any',
      messages: [{ role: 'user', content: 'prefix' }],
    });
    expect(reply.choices[0]?.message.content).toBe('echo: prefix');
    expect(fakes.openai.log.last()!.model).toBe('gpt-any');
  });

  it('passes /v1/responses through to an OpenAI-type provider, and refuses it for others', async () => {
    const r = await client().responses.create({ model: 'openai-chat', input: 'respond' });
    expect(r.output_text).toBe('echo: respond');
    expect(fakes.openai.log.last()).toMatchObject({ path: '/v1/responses', model: 'openai-primary' });
    await expect(client().responses.create({ model: 'anthropic-chat', input: 'x' })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('passes usage on only to a client that asked for it', async () => {
    const chunks = [];
    for await (const c of await client().chat.completions.create({
      model: 'anthropic-chat',
      messages: [{ role: 'user', content: `no usage ${Date.now()}` }],
      stream: true,
    }))
      chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.some((c) => c.usage)).toBe(false);
  });
});

describe('upstream misbehaviour', () => {
  it('answers a body that is not a chat completion with a 502, and keeps serving', async () => {
    fakes.openai.faults.next({ badBody: { object: 'chat.completion', id: 'x' } }, { badBody: null });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/broken', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'upstream_bad_response' } });
    const ok = await client().chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'still here' }],
    });
    expect(ok.choices[0]?.message.content).toBe('echo: still here');
  });

  it("never passes on a provider key an upstream's error message quotes", async () => {
    const echo = { status: 400, message: `Incorrect API key provided: ${FAKE_OPENAI_KEY}` };
    fakes.openai.faults.next(echo);
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/quoting', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('Incorrect API key provided');
    expect(text).not.toContain(FAKE_OPENAI_KEY);
  });

  it('marks no provider unhealthy when the client leaves before the first token', async () => {
    await client().chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: `healthy ${Date.now()}` }],
    });
    fakes.fault('openai', 'openai-primary', 'hang');
    const said = `left before the first token ${Date.now()}`;
    const abort = new AbortController();
    const leaving = client().chat.completions.create(
      { model: 'openai-chat', messages: [{ role: 'user', content: said }], stream: true },
      { signal: abort.signal },
    );
    await waitFor(() => Promise.resolve(fakes.openai.log.calls.some((c) => JSON.stringify(c.body).includes(said))), {
      timeoutMs: 5000,
      what: 'the hanging call',
    });
    abort.abort();
    await expect(leaving).rejects.toThrow();
    const status = (await (await fetch(`http://127.0.0.1:${gw.adminPort}/status`)).json()) as {
      providers: { name: string; healthy: boolean }[];
    };
    expect(status.providers.find((x) => x.name === 'openai')?.healthy).toBe(true);
  });

  it('groups a prefix route in metrics as its route, never as the model name the client sent', async () => {
    await client().chat.completions.create({
      model: 'openai/made-up-by-client-123',
      messages: [{ role: 'user', content: 'label' }],
    });
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
        return text.includes('model="openai/*"') && text;
      },
      { timeoutMs: 5000, what: 'the call counted under its route' },
    );
    expect(metrics).not.toContain('made-up-by-client-123');
  });
});

describe('reload, usage and audit', () => {
  it('reloads hitlessly: a stream in flight finishes on the old config', async () => {
    fakes.openai.setEventDelay(100);
    const stream = await client().chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
      stream: true,
    });
    const next = {
      ...config,
      models: [
        ...config.models,
        { name: 'added-after-reload', kind: 'chat' as const, targets: config.models[0]!.targets },
      ],
    };
    await writeFile(configFile, JSON.stringify(next));
    await gw.reload();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    fakes.openai.setEventDelay(0);
    expect(text).toBe('echo: one two three four five six seven eight');
    const added = await client().chat.completions.create({
      model: 'added-after-reload',
      messages: [{ role: 'user', content: 'new' }],
    });
    expect(added.choices[0]?.message.content).toBe('echo: new');
  });

  it('refuses a reload whose provider cannot be built, and takes the next one', async () => {
    const broken = {
      ...config,
      providers: config.providers.map((p) => (p.name === 'openai' ? { ...p, baseUrl: 'http://[' } : p)),
    };
    await writeFile(configFile, JSON.stringify(broken));
    await gw.reload();
    const still = await client().chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'kept' }],
    });
    expect(still.choices[0]?.message.content).toBe('echo: kept');
    const next = {
      ...config,
      models: [...config.models, { name: 'after-refusal', kind: 'chat' as const, targets: config.models[0]!.targets }],
    };
    await writeFile(configFile, JSON.stringify(next));
    await gw.reload();
    const added = await client().chat.completions.create({
      model: 'after-refusal',
      messages: [{ role: 'user', content: 'taken' }],
    });
    expect(added.choices[0]?.message.content).toBe('echo: taken');
  });

  it('meters usage and keeps every secret out of the audit log', async () => {
    const usage = (await (await fetch(`http://127.0.0.1:${gw.adminPort}/usage?since=1h&by=key`)).json()) as {
      rows: { name: string; requests: number }[];
    };
    expect(usage.rows.find((r) => r.name === 'team-a')?.requests).toBeGreaterThan(5);
    const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/csgw_ai_requests_total\{[^}]*cache="hit"/);
    await waitFor(async () => (await auditLines()).length > 20, { timeoutMs: 5000, what: 'audit lines flushed' });
    const audit = await readFile(config.audit.file, 'utf8');
    for (const secret of [
      ...Object.values(GATEWAY_KEYS),
      FAKE_OPENAI_KEY,
      FAKE_ANTHROPIC_KEY,
      FAKE_AWS_CREDENTIALS.secretAccessKey,
      'Bearer',
    ])
      expect(audit).not.toContain(secret);
  });
});
