import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { startFakeOpenAi, type FakeOpenAi } from '../testing/fake-openai.js';
import { fakeGatewayConfig } from '../testing/fake-llm-upstreams.js';
import { startGateway, type RunningGateway } from './daemon.js';

/** Passthrough: the client's own OpenAI key goes upstream; the gateway holds none. */
const CLIENT_KEY = 'sk-proj-CLIENT-own-openai-key-0001';
let fake: FakeOpenAi;
let dir: string;
let gw: RunningGateway;

const client = (key: string): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${gw.listening.port}/v1`, maxRetries: 0 });

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey: CLIENT_KEY });
  dir = await mkdtemp(join(tmpdir(), 'csgw-aigw-pt-'));
  const base = fakeGatewayConfig(dir, { openai: fake.url, anthropic: fake.url, bedrock: fake.url });
  const config = {
    ...base,
    auth: { mode: 'passthrough' as const },
    cache: { ...base.cache, scope: 'gateway' as const },
    // Anthropic with the gateway's own key: a passthrough caller must never spend it.
    providers: [
      { name: 'openai', type: 'openai' as const, baseUrl: fake.url, maxSockets: 4 },
      {
        name: 'anthropic',
        type: 'anthropic' as const,
        baseUrl: fake.url,
        apiKey: 'sk-ant-gateway-own-0001',
        maxSockets: 4,
      },
    ],
    models: base.models.filter((m) => m.targets.every((t) => t.provider === 'openai' || t.provider === 'anthropic')),
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  gw = await startGateway(join(dir, 'config.json'), pino({ level: 'silent' }));
});

afterAll(async () => {
  await gw?.stop();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('passthrough authentication', () => {
  it("sends the client's own key upstream", async () => {
    const reply = await client(CLIENT_KEY).chat.completions.create({
      model: 'openai-chat',
      messages: [{ role: 'user', content: 'mine' }],
    });
    expect(reply.choices[0]?.message.content).toBe('echo: mine');
    expect(fake.log.last()!.headers.authorization).toBe(`Bearer ${CLIENT_KEY}`);
  });

  it('answers a key the provider refuses with its 401, never from the cache', async () => {
    const messages = [{ role: 'user' as const, content: 'cached for the right key only' }];
    await client(CLIENT_KEY).chat.completions.create({ model: 'openai-chat', messages });
    await expect(
      client('sk-proj-someone-else-0000000').chat.completions.create({ model: 'openai-chat', messages }),
    ).rejects.toMatchObject({ status: 401 });
    const again = await client(CLIENT_KEY).chat.completions.create({ model: 'openai-chat', messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('hit');
  });

  it('sends the client key with embeddings too', async () => {
    await client(CLIENT_KEY).embeddings.create({ model: 'openai-embed', input: 'x' });
    expect(fake.log.last()).toMatchObject({
      path: '/v1/embeddings',
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
    });
  });

  it("never reaches a provider with the gateway's own key", async () => {
    const calls = fake.log.count;
    await expect(
      client(CLIENT_KEY).chat.completions.create({
        model: 'anthropic-chat',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(fake.log.count).toBe(calls);
  });
});
