import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startFakeOpenAi, type FakeOpenAi } from '../testing/fake-openai.js';
import { fakeGatewayConfig, GATEWAY_KEYS } from '../testing/fake-llm-upstreams.js';
import { waitFor } from '../testing/wait.js';
import { startGateway, type RunningGateway } from './daemon.js';

/** The total deadline ends a stream that outlives it: an error event, no [DONE], the upstream call aborted. */
let fake: FakeOpenAi;
let dir: string;
let gw: RunningGateway;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  dir = await mkdtemp(join(tmpdir(), 'csgw-aigw-deadline-'));
  const base = fakeGatewayConfig(dir, { openai: fake.url, anthropic: fake.url, bedrock: fake.url });
  const config = {
    ...base,
    providers: base.providers.filter((p) => p.type === 'openai'),
    models: base.models.filter((m) => m.targets.every((t) => t.provider === 'openai')),
    limits: { ...base.limits, totalTimeoutMs: 1000 },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  gw = await startGateway(join(dir, 'config.json'), pino({ level: 'silent' }));
});

afterAll(async () => {
  fake?.release();
  await gw?.stop();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the total deadline', () => {
  it('ends a started stream with a total_timeout event and aborts the upstream call', async () => {
    fake.faults.next({ holdAfterEvents: 2 });
    const res = await fetch(`http://127.0.0.1:${gw.listening.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEYS.teamA}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'openai-chat',
        messages: [{ role: 'user', content: 'a long answer' }],
        stream: true,
      }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatch(
      /^data: \{"error":\{"message":"total timeout of 1000 ms passed","type":"timeout","code":"total_timeout"/,
    );
    expect(events.some((e) => e.includes('[DONE]'))).toBe(false);
    await waitFor(() => Promise.resolve(fake.log.disconnects === 1), {
      timeoutMs: 5000,
      what: 'the upstream call aborted',
    });
  });
});
