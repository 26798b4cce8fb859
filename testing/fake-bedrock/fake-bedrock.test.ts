import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeBedrock, type FakeBedrock } from './fake-bedrock.js';

let fake: FakeBedrock;

beforeAll(async () => {
  fake = await startFakeBedrock({ models: ['m1', 'm2', 'amazon.titan-embed-text-v2:0'] });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function converse(
  model: string,
  body: unknown = { messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
): Promise<Response> {
  return fetch(`${fake.url}/model/${encodeURIComponent(model)}/converse`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

function control(path: string, body?: unknown): Promise<Response> {
  return fetch(`${fake.url}/__fake/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
}

describe('fake Bedrock', () => {
  it('counts calls by model and operation and keeps the last request', async () => {
    await converse('m1');
    await converse('m1');
    await converse('m2', { messages: [{ role: 'user', content: [{ text: 'two' }] }] });
    expect(fake.calls()).toEqual({ total: 3, disconnects: 0, byModel: { m1: { converse: 2 }, m2: { converse: 1 } } });
    expect([fake.count(), fake.count('m1'), fake.count('m1', 'invoke')]).toEqual([3, 2, 0]);
    expect(fake.last('converse', 'm2')?.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'two' }] }] });
    expect(fake.last('converse', 'm1')?.model).toBe('m1');
  });

  it('answers restJson1 errors: unknown models, bad JSON, unknown paths', async () => {
    const unknown = await converse('m9');
    expect([unknown.status, unknown.headers.get('x-amzn-errortype')?.split(':')[0]]).toEqual([
      404,
      'ResourceNotFoundException',
    ]);
    const bad = await fetch(`${fake.url}/model/m1/converse`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${fake.url}/model/m1/other`, { method: 'POST' })).status).toBe(404);
    expect(fake.count()).toBe(1);
  });

  it('applies rules by model and operation, as many times as asked', async () => {
    fake.addRule({ model: 'm2', failure: { kind: 'status', status: 500 } });
    fake.addRule({
      model: 'm1',
      operation: 'converse',
      times: 2,
      failure: { kind: 'status', status: 429, message: 'slow down' },
    });
    const statuses = [];
    for (const model of ['m1', 'm1', 'm1', 'm2', 'm2']) statuses.push((await converse(model)).status);
    expect(statuses).toEqual([429, 429, 200, 500, 200]);
    fake.addRule({ times: 'always', failure: { kind: 'status', status: 503 } });
    for (const model of ['m1', 'm2', 'm1']) expect((await converse(model)).status).toBe(503);
  });

  it('is driven over HTTP from another process: rules, counts and reset', async () => {
    expect((await control('rules', { model: 'm1', failure: { kind: 'status', status: 429 } })).status).toBe(204);
    const throttled = await converse('m1');
    expect(throttled.status).toBe(429);
    expect(await throttled.json()).toEqual({ message: 'injected 429' });
    const calls = (await (await control('calls')).json()) as Record<string, unknown>;
    expect(calls).toMatchObject({
      total: 1,
      byModel: { m1: { converse: 1 } },
      last: { operation: 'converse', model: 'm1' },
    });
    expect((await control('reset', {})).status).toBe(204);
    expect(fake.calls().total).toBe(0);
    expect((await fetch(`${fake.url}/__fake/rules`, { method: 'POST', body: 'nope' })).status).toBe(400);
    expect((await control('nothing')).status).toBe(404);
  });

  it('answers InvokeModel for embeddings with the token count header', async () => {
    const res = await fetch(`${fake.url}/model/amazon.titan-embed-text-v2%3A0/invoke`, {
      method: 'POST',
      body: JSON.stringify({ inputText: 'a b c', dimensions: 3 }),
    });
    expect(res.headers.get('x-amzn-bedrock-input-token-count')).toBe('3');
    expect(await res.json()).toEqual({ embedding: expect.any(Array), inputTextTokenCount: 3 });
  });

  it('leaves a hanging request open until the fake closes', async () => {
    const other = await startFakeBedrock();
    other.addRule({ failure: { kind: 'hang' } });
    const hanging = fetch(`${other.url}/model/m/converse`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    await new Promise<void>((resolve) => {
      const poll = (): void => void (other.count() === 1 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    await other.close();
    // Never answered: the request fails only when the fake closes its connections.
    expect(String(await hanging)).toMatch(/fetch failed/);
  });
});
