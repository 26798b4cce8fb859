import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import {
  FAKE_AWS_CREDENTIALS,
  FAKE_OPENAI_KEY,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
} from '../testing/fake-llm-upstreams.js';
import { createTopology, ensureImages, Operator, operatorCommand, waitFor, type Topology } from './harness/index.js';
import { firstHost } from './harness/subnets.js';

/**
 * The semantic cache in a gateway container, with everything on the instance: a LocalModel with task embed (the fake
 * vLLM serving the deterministic TEST embedder's vectors) is the embedding model, a LocalModel chat model with no
 * fallback answers. A paraphrase is answered from the cache; nothing ever reaches the remote fakes, which only serve
 * a remote chat model to show the cache never crosses models.
 */
const PORT = 8090;
const KEY = 'gk-E2E-SEMANTIC-key-000000001';

let t: Topology;
let op: Operator;
let fakes: FakeLlmUpstreams;
let n = 0;

const client = (): OpenAI =>
  new OpenAI({ apiKey: KEY, baseURL: `http://127.0.0.1:${t.hostPorts[PORT]}/v1`, maxRetries: 0, timeout: 30_000 });
const remoteCalls = (): number => fakes.count('openai') + fakes.count('anthropic') + fakes.count('bedrock');

async function ask(
  model: string,
  content: string,
): Promise<{ text: string; cache: string | null; sim: string | null }> {
  const { data, response } = await client()
    .chat.completions.create({ model, messages: [{ role: 'user', content }] })
    .withResponse();
  return {
    text: data.choices[0]?.message.content ?? '',
    cache: response.headers.get('x-csgw-cache'),
    sim: response.headers.get('x-csgw-similarity'),
  };
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('semantic-cache', {
    gatewayCommand: operatorCommand(),
    gatewayPorts: [4566, 9464, PORT],
    gatewayEnv: {
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
      CSGW_ASSUME_GPU: 'true',
      CSGW_VLLM_COMMAND: JSON.stringify(['/usr/local/bin/node', '/app/dist/testing/fake-vllm-main.js']),
    },
  });
  fakes = await startFakeLlmUpstreams(firstHost(t.publicSubnet));
  op = await Operator.connect(t);
  await op.apply(
    { kind: 'Secret', name: 'ai-providers', spec: { data: { openai: FAKE_OPENAI_KEY } } },
    { kind: 'Secret', name: 'ai-keys', spec: { data: { e2e: KEY } } },
    { kind: 'LocalModel', name: 'bge', spec: { weights: { path: '/opt/models/bge' }, port: 8010, task: 'embed' } },
    { kind: 'LocalModel', name: 'llama', spec: { weights: { path: '/opt/models/llama' }, port: 8011 } },
    {
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
        models: [{ name: 'openai-chat', provider: 'openai', model: 'openai-primary' }],
        auth: { mode: 'keys', secretRef: { name: 'ai-keys' }, keys: [{ id: 'e2e', models: ['*'] }] },
        semanticCache: { enabled: true, embeddingModel: 'local/bge' },
      },
    },
  );
  await op.waitForReady('AiGateway', 1, { timeoutMs: 60_000 });
  await op.waitForReady('LocalModel', 1, {
    timeoutMs: 60_000,
    accept: (s) => (s.details.models as { phase: string }[]).every((m) => m.phase === 'Serving'),
  });
  // The data plane learns the local routes from a reload after the LocalModels were read.
  await waitFor(
    async () => {
      const ids = (await client().models.list()).data.map((m) => m.id);
      return ids.includes('local/llama') && ids.includes('local/bge');
    },
    { timeoutMs: 30_000, what: 'the local routes live' },
  );
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await fakes?.close();
  await t?.cleanup();
}, 60_000);

describe('the semantic cache, with a local embedding model', () => {
  it('answers a paraphrase of a local model question from the cache; nothing leaves the instance', async () => {
    const tag = `zq${++n}`;
    const remote = remoteCalls();
    const first = await ask('local/llama', `What is the capital of France ${tag}?`);
    expect(first).toMatchObject({ cache: 'miss', text: `local: What is the capital of France ${tag}?` });
    const paraphrase = await ask('local/llama', `What's France's capital city ${tag}?`);
    expect(paraphrase).toMatchObject({ cache: 'semantic', text: first.text });
    expect(Number(paraphrase.sim)).toBeGreaterThanOrEqual(0.95);
    expect((await ask('local/llama', `What is the capital of Germany ${tag}?`)).cache).toBe('miss');
    expect(remoteCalls()).toBe(remote);
  }, 60_000);

  it('never answers one model from another model’s entries', async () => {
    const tag = `zq${++n}`;
    await ask('local/llama', `Which planet is the largest ${tag}?`);
    const remote = await ask('openai-chat', `What is the biggest planet ${tag}?`);
    expect(remote.cache).toBe('miss');
    expect(remote.text).toBe(`echo: What is the biggest planet ${tag}?`);
  }, 60_000);

  it('shows its entries in the AiGateway status', async () => {
    const status = await waitFor(
      async () => {
        const s = await op.controller('AiGateway');
        const sc = s?.details.semanticCache as { entries?: number } | undefined;
        return sc?.entries && sc.entries >= 2 ? sc : undefined;
      },
      { timeoutMs: 60_000, what: 'the semantic cache in status' },
    );
    expect(status).toMatchObject({ enabled: true });
  }, 90_000);
});
