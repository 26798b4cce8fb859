import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOpenAi, type FakeOpenAi } from '../../testing/fake-openai.js';
import { waitFor } from '../../testing/wait.js';
import { readText, UpstreamHttp } from './upstream-http.js';

let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
});

const chat = (stream: boolean): string =>
  JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'one two' }], stream });

describe('UpstreamHttp', () => {
  it('does not count waiting for a pooled connection as connecting', async () => {
    const http = new UpstreamHttp({ baseUrl: fake.url, maxSockets: 1, connectTimeoutMs: 100 });
    const signal = new AbortController().signal;
    const headers = { 'content-type': 'application/json' };
    fake.faults.next({ holdAfterEvents: 1 });
    const held = await http.request({ method: 'POST', path: '/chat/completions', headers, body: chat(true), signal });
    await waitFor(() => Promise.resolve(fake.held() === 1), { timeoutMs: 5000, what: 'the stream held' });
    const queued = http.request({ method: 'POST', path: '/chat/completions', headers, body: chat(false), signal });
    // Longer than the connect deadline: the queued call waits for the only socket, it is not connecting.
    await new Promise((r) => setTimeout(r, 300));
    fake.release();
    await readText(held.body);
    const answered = await queued;
    expect(answered.status).toBe(200);
    await readText(answered.body);
    http.close();
  });
});
