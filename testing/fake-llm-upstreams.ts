import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AiGatewayConfig } from '../ai-gateway/config.js';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';
import { startFakeBedrock, type FakeBedrock } from './fake-bedrock/fake-bedrock.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';

export const FAKE_OPENAI_KEY = 'sk-proj-FAKE-OPENAI-upstream-key-0001';
export { FAKE_ANTHROPIC_KEY };
/** Static credentials the Bedrock SDK signs with against the fake (it does not check signatures). */
export const FAKE_AWS_CREDENTIALS = {
  accessKeyId: 'AKIAFAKEBEDROCK00001',
  secretAccessKey: 'fake-bedrock-secret-access-key-0001',
};

export type UpstreamName = 'openai' | 'anthropic' | 'bedrock';
export type FaultKind = 'status429' | 'status500' | 'hang' | 'drop';

/** The three fake LLM upstreams, with one way to inject a fault into any of them and to count their calls. */
export interface FakeLlmUpstreams {
  openai: FakeOpenAi;
  anthropic: FakeAnthropic;
  bedrock: FakeBedrock;
  count(upstream: UpstreamName, model?: string): number;
  /**
   * A fault for the next call: on Bedrock the next call of `model`; on OpenAI and Anthropic the next call of any
   * model (a queue), so a test must make the next call itself.
   */
  fault(upstream: UpstreamName, model: string, kind: FaultKind): void;
  /** The next stream of `model` sends a few events, then waits (for minutes) until its client goes away. */
  stall(upstream: UpstreamName, model: string): void;
  /** Calls whose client went away before the answer ended. */
  disconnects(upstream: UpstreamName): number;
  close(): Promise<void>;
}

export async function startFakeLlmUpstreams(host = '127.0.0.1'): Promise<FakeLlmUpstreams> {
  const [openai, anthropic, bedrock] = await Promise.all([
    startFakeOpenAi({ apiKey: FAKE_OPENAI_KEY, host }),
    startFakeAnthropic({ apiKey: FAKE_ANTHROPIC_KEY, host }),
    startFakeBedrock({ host }),
  ]);
  return {
    openai,
    anthropic,
    bedrock,
    count: (u, model) =>
      u === 'openai'
        ? model
          ? openai.log.countFor(model)
          : openai.log.count
        : u === 'anthropic'
          ? anthropic.callCount(model)
          : bedrock.count(model),
    fault: (u, model, kind) => inject({ openai, anthropic, bedrock }, u, model, kind),
    stall: (u, model) => {
      if (u === 'openai') openai.faults.next({ stallAfterEvents: 2 });
      else if (u === 'anthropic') anthropic.failNext({ kind: 'stall', afterEvents: 3 });
      else bedrock.addRule({ model, failure: { kind: 'stall', afterEvents: 2 } });
    },
    disconnects: (u) =>
      u === 'openai'
        ? openai.log.disconnects
        : u === 'anthropic'
          ? anthropic.disconnects()
          : bedrock.calls().disconnects,
    close: async () => {
      await Promise.all([openai.close(), anthropic.close(), bedrock.close()]);
    },
  };
}

function inject(f: Pick<FakeLlmUpstreams, UpstreamName>, u: UpstreamName, model: string, kind: FaultKind): void {
  if (u === 'openai') {
    const fault =
      kind === 'hang'
        ? { hang: true as const }
        : kind === 'drop'
          ? { dropAfterEvents: 2 }
          : { status: kind === 'status429' ? 429 : 500 };
    return f.openai.faults.next(fault);
  }
  if (u === 'anthropic') {
    const fault =
      kind === 'hang'
        ? { kind: 'hang' as const }
        : kind === 'drop'
          ? { kind: 'drop' as const, afterEvents: 3 }
          : { kind: 'status' as const, status: kind === 'status429' ? 429 : 500 };
    return f.anthropic.failNext(fault);
  }
  const failure =
    kind === 'hang'
      ? { kind: 'hang' as const }
      : kind === 'drop'
        ? { kind: 'drop' as const, afterEvents: 3 }
        : { kind: 'status' as const, status: kind === 'status429' ? 429 : 500 };
  f.bedrock.addRule({ model, failure });
}

export const GATEWAY_KEYS = { teamA: 'gk-TEAM-A-raw-gateway-key-0001', teamB: 'gk-TEAM-B-raw-gateway-key-0002' };

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const price = { input: 2.5, output: 10, cachedInput: 1.25 };

/**
 * A data-plane config over the fakes: per provider a chat model `<p>-chat` falling back to `<p>-backup`, an
 * embeddings model, keys teamA (any model) and teamB (2 requests a minute), and files under `dir`.
 */
export function fakeGatewayConfig(dir: string, urls: Record<UpstreamName, string>, port = 0): AiGatewayConfig {
  const chat = (p: UpstreamName): AiGatewayConfig['models'] => [
    {
      name: `${p}-chat`,
      kind: 'chat',
      targets: [
        { provider: p, model: `${p}-primary`, price },
        { provider: p, model: `${p}-backup`, price },
      ],
    },
  ];
  return {
    version: 1,
    listen: { host: '127.0.0.1', port },
    admin: { host: '127.0.0.1', port: 0 },
    clientCidrs: ['0.0.0.0/0'],
    auth: {
      mode: 'keys',
      keys: [
        { id: 'team-a', sha256: sha(GATEWAY_KEYS.teamA), models: ['*'] },
        { id: 'team-b', sha256: sha(GATEWAY_KEYS.teamB), models: ['openai-chat'], rpm: 2 },
      ],
    },
    providers: [
      { name: 'openai', type: 'openai', baseUrl: urls.openai, apiKey: FAKE_OPENAI_KEY, maxSockets: 64 },
      { name: 'anthropic', type: 'anthropic', baseUrl: urls.anthropic, apiKey: FAKE_ANTHROPIC_KEY, maxSockets: 64 },
      { name: 'bedrock', type: 'bedrock', baseUrl: urls.bedrock, region: 'us-east-1', maxSockets: 64 },
    ],
    models: [
      ...chat('openai'),
      ...chat('anthropic'),
      ...chat('bedrock'),
      {
        name: 'openai-embed',
        kind: 'embeddings',
        targets: [{ provider: 'openai', model: 'text-embedding-3-small', price }],
      },
      {
        name: 'titan-embed',
        kind: 'embeddings',
        targets: [{ provider: 'bedrock', model: 'amazon.titan-embed-text-v2:0', price }],
      },
    ],
    localModels: [],
    cache: {
      enabled: true,
      scope: 'key',
      ttlSeconds: 3600,
      memoryBytes: 8 << 20,
      diskBytes: 64 << 20,
      dir: join(dir, 'cache'),
    },
    semanticCache: {
      enabled: false,
      embeddingModel: '',
      threshold: 0.95,
      ttlSeconds: 60,
      maxEntries: 1000,
      dir: '/nonexistent',
      embedTimeoutMs: 1000,
    },
    metering: { stateFile: join(dir, 'state', 'metering.json'), retentionDays: 30 },
    audit: {
      enabled: true,
      file: join(dir, 'audit', 'audit.log'),
      prompts: 'hash',
      maxBytes: 10 << 20,
      maxAgeSeconds: 86_400,
      maxFiles: 3,
    },
    limits: {
      maxBodyBytes: 1 << 20,
      connectTimeoutMs: 2000,
      firstTokenTimeoutMs: 1500,
      totalTimeoutMs: 30_000,
      retries: 1,
      backoffMs: 20,
    },
  };
}
