import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../testing/wait.js';
import { serverWaiting, ServerWaitingPoller } from './server-waiting.js';

/** vLLM's /metrics as it writes them: HELP and TYPE lines, labels, float values. */
const VLLM_METRICS = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="llama"} 4.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="llama"} 3.0
vllm:num_requests_waiting{engine="1",model_name="llama"} 2.0
vllm:num_requests_waiting{engine="0",model_name="qwen"} 7.0
vllm:num_requests_waiting_by_reason{model_name="llama",reason="capacity"} 40.0
# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage.
vllm:gpu_cache_usage_perc{engine="0",model_name="llama"} 0.42
`;

describe('serverWaiting', () => {
  it("sums the served model's lines, and only its own", () => {
    expect(serverWaiting(VLLM_METRICS, 'llama')).toBe(5);
    expect(serverWaiting(VLLM_METRICS, 'qwen')).toBe(7);
  });

  it('is undefined for a model the gauge does not name, or when the gauge is absent', () => {
    expect(serverWaiting(VLLM_METRICS, 'mistral')).toBeUndefined();
    expect(serverWaiting('vllm:num_requests_running 1.0\n', 'llama')).toBeUndefined();
    expect(serverWaiting('', 'llama')).toBeUndefined();
  });

  it('takes an unlabelled gauge as the only model', () => {
    expect(serverWaiting('vllm:num_requests_waiting 2\n', 'llama')).toBe(2);
    expect(serverWaiting('vllm:num_requests_waiting{engine="0"} 1.5e1\n', 'llama')).toBe(15);
  });

  it('skips NaN, infinite and malformed values', () => {
    expect(serverWaiting('vllm:num_requests_waiting{model_name="llama"} NaN\n', 'llama')).toBeUndefined();
    const text = [
      'vllm:num_requests_waiting{model_name="llama"} NaN',
      'vllm:num_requests_waiting{model_name="llama"} +Inf',
      'vllm:num_requests_waiting{model_name="llama"} many',
      'vllm:num_requests_waiting{model_name="llama"} 4',
    ].join('\n');
    expect(serverWaiting(text, 'llama')).toBe(4);
  });

  it('reads CRLF lines and a trailing timestamp', () => {
    expect(serverWaiting('vllm:num_requests_waiting{model_name="llama"} 6 1700000000000\r\n', 'llama')).toBe(6);
  });

  it('ignores comments and metrics whose name only starts like the gauge', () => {
    const text = '# vllm:num_requests_waiting 9\nvllm:num_requests_waiting_total 9\n';
    expect(serverWaiting(text, 'llama')).toBeUndefined();
  });
});

describe('ServerWaitingPoller', () => {
  let server: http.Server | undefined;
  let poller: ServerWaitingPoller | undefined;

  afterEach(async () => {
    poller?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function metricsServer(body: () => { status: number; text: string }): Promise<string> {
    server = http.createServer((_req, res) => {
      const { status, text } = body();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  it('reports the gauge at once and on every period, and 0 when the server fails', async () => {
    let answer = { status: 200, text: VLLM_METRICS };
    const url = await metricsServer(() => answer);
    const seen: number[] = [];
    poller = new ServerWaitingPoller(url, 'llama', (n) => seen.push(n), 20);
    await waitFor(() => Promise.resolve(seen.includes(5)), { timeoutMs: 2_000, intervalMs: 5, what: 'the gauge' });
    answer = { status: 500, text: 'vllm:num_requests_waiting 9' };
    await waitFor(() => Promise.resolve(seen.at(-1) === 0), { timeoutMs: 2_000, intervalMs: 5, what: 'unknown: 0' });
    poller.retarget(url, 'qwen');
    answer = { status: 200, text: VLLM_METRICS };
    await waitFor(() => Promise.resolve(seen.at(-1) === 7), { timeoutMs: 2_000, intervalMs: 5, what: 'retargeted' });
  });

  it('reports 0 for a server that is not listening, and nothing after stop', async () => {
    const url = await metricsServer(() => ({ status: 200, text: '' }));
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const seen: number[] = [];
    poller = new ServerWaitingPoller(url, 'llama', (n) => seen.push(n), 20);
    await waitFor(() => Promise.resolve(seen.length > 0), { timeoutMs: 2_000, intervalMs: 5, what: 'a read' });
    expect(seen.every((n) => n === 0)).toBe(true);
    poller.stop();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 80));
    // At most one read that was already under way when it stopped.
    expect(seen.length).toBeLessThanOrEqual(count + 1);
  });
});
