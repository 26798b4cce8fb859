// A data plane with local models for in-process tests: the fake OpenAI server stands in for vLLM's OpenAI routes on
// 127.0.0.1, the three fake remote upstreams are the fallbacks (and count every call that left the instance).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { AiGatewayConfig, LocalModelConfig, OverflowConfig } from '../ai-gateway/config.js';
import { startGateway, type RunningGateway } from '../ai-gateway/daemon.js';
import {
  FAKE_AWS_CREDENTIALS,
  fakeGatewayConfig,
  GATEWAY_KEYS,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
} from './fake-llm-upstreams.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';

/** A local model of the fixture: on the live fake server, or on a port nothing listens on. */
export interface LocalModelSpec {
  name: string;
  kind?: LocalModelConfig['kind'];
  server: 'live' | 'dead';
  overflow: Partial<OverflowConfig> & Pick<OverflowConfig, 'policy'>;
  /** Spill (or merely configure) to the table's `openai-chat`. */
  fallback?: boolean;
}

export interface LocalGateway {
  gw: RunningGateway;
  base: string;
  config: AiGatewayConfig;
  /** The stand-in for vLLM. */
  local: FakeOpenAi;
  remote: FakeLlmUpstreams;
  client(): OpenAI;
  /** Every call any remote upstream received: what left the instance. */
  remoteCalls(): number;
  auditLine(requestId: string): Promise<Record<string, unknown> | undefined>;
  /** The gateway's /status entry of a local model. */
  status(name: string): Promise<{ running: number; queued: number } | undefined>;
  /** A raw chat call, for what the SDK hides (the SSE events of a failed stream). */
  post(body: object): Promise<Response>;
  stop(): Promise<void>;
}

export async function startLocalGateway(models: readonly LocalModelSpec[]): Promise<LocalGateway> {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
  });
  const [remote, local, deadPort] = await Promise.all([startFakeLlmUpstreams(), startFakeOpenAi(), closedPort()]);
  const dir = await mkdtemp(join(tmpdir(), 'csgw-local-'));
  const base = fakeGatewayConfig(dir, {
    openai: remote.openai.url,
    anthropic: remote.anthropic.url,
    bedrock: remote.bedrock.url,
  });
  const livePort = Number(new URL(local.url).port);
  const fallback = { model: 'openai-chat', targets: base.models.find((m) => m.name === 'openai-chat')!.targets };
  const config: AiGatewayConfig = {
    ...base,
    localModels: models.map((m) => localModel(m, m.server === 'live' ? livePort : deadPort, fallback)),
  };
  const file = join(dir, 'ai-gateway.json');
  await writeFile(file, JSON.stringify(config));
  const gw = await startGateway(file, pino({ level: 'silent' }));
  const url = `http://127.0.0.1:${gw.listening.port}`;
  const admin = `http://127.0.0.1:${gw.adminPort}`;
  return {
    gw,
    base: url,
    config,
    local,
    remote,
    client: () => new OpenAI({ apiKey: GATEWAY_KEYS.teamA, baseURL: `${url}/v1`, maxRetries: 0 }),
    remoteCalls: () => remote.count('openai') + remote.count('anthropic') + remote.count('bedrock'),
    auditLine: async (requestId) => {
      const text = await readFile(config.audit.file, 'utf8').catch(() => '');
      const lines = text.split('\n').filter(Boolean);
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === requestId);
    },
    status: async (name) => {
      const status = (await (await fetch(`${admin}/status`)).json()) as {
        localModels: { name: string; running: number; queued: number }[];
      };
      return status.localModels.find((l) => l.name === name);
    },
    post: (body) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    stop: async () => {
      local.release();
      await gw.stop();
      await Promise.all([remote.close(), local.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function localModel(
  m: LocalModelSpec,
  port: number,
  fallback: NonNullable<OverflowConfig['fallback']>,
): LocalModelConfig {
  const servedName = m.name.slice('local/'.length);
  const { policy, ...rest } = m.overflow;
  return {
    name: m.name,
    servedName,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    kind: m.kind ?? 'chat',
    overflow: {
      policy,
      ...(m.fallback ? { fallback } : {}),
      maxConcurrency: 1,
      queue: { maxSize: 1, maxWaitMs: 400 },
      firstTokenTimeoutMs: 400,
      ...rest,
    },
  };
}

/** A loopback port nothing listens on: a local server that is down refuses the connection. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
