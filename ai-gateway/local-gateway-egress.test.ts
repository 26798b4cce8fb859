// The promise of local inference, proven in process: with `queue` or `reject`, or `spill` without a fallback, no
// byte of a prompt leaves the instance, whether the local server is dead or overloaded; after the first token,
// nothing is re-sent anywhere. The fake remote upstreams count every call and must count zero, for every test.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startLocalGateway, type LocalGateway } from '../testing/local-gateway-fixture.js';
import { waitFor } from '../testing/wait.js';

jest.setTimeout(10_000);

let t: LocalGateway;
let n = 0;
const said = (what: string): { role: 'user'; content: string }[] => [
  { role: 'user', content: `${what} ${++n} ${Date.now()}` },
];

// Queue and reject are configured with a fallback: the policy alone keeps the request here.
const LIVE = { queue: 'local/q', reject: 'local/r', 'spill without fallback': 'local/n' } as const;
const DEAD = { queue: 'local/dq', reject: 'local/dr', 'spill without fallback': 'local/dn' } as const;
type Policy = keyof typeof LIVE;
const POLICIES = Object.keys(LIVE) as Policy[];

beforeAll(async () => {
  t = await startLocalGateway([
    { name: 'local/q', server: 'live', overflow: { policy: 'queue' }, fallback: true },
    { name: 'local/r', server: 'live', overflow: { policy: 'reject' }, fallback: true },
    { name: 'local/n', server: 'live', overflow: { policy: 'spill' } },
    { name: 'local/dq', server: 'dead', overflow: { policy: 'queue' }, fallback: true },
    { name: 'local/dr', server: 'dead', overflow: { policy: 'reject' }, fallback: true },
    { name: 'local/dn', server: 'dead', overflow: { policy: 'spill' } },
    // Only for a stream cut after its first token: even a spill with a fallback re-sends nothing then.
    { name: 'local/s', server: 'live', overflow: { policy: 'spill' }, fallback: true },
  ]);
});

afterEach(() => {
  t.local.faults.clear();
  t.local.release();
  expect(t.remoteCalls()).toBe(0);
});

afterAll(async () => {
  await t?.stop();
});

async function audited(res: Response): Promise<Record<string, unknown>> {
  const id = res.headers.get('x-request-id')!;
  return waitFor(() => t.auditLine(id), { timeoutMs: 5_000, intervalMs: 25, what: `the audit line of ${id}` });
}

/** Error events of a stream the gateway started, and whether it ended with [DONE]. */
async function events(res: Response): Promise<{ errors: string[]; done: boolean }> {
  const all = (await res.text()).split('\n\n').filter(Boolean);
  return { errors: all.filter((e) => e.includes('"error"')), done: all.some((e) => e.includes('[DONE]')) };
}

describe.each(POLICIES)('%s: nothing leaves the instance', (policy) => {
  it('when the local server is dead (connection refused): 503 local_unavailable', async () => {
    const res = await t.post({ model: DEAD[policy], messages: said('dead'), stream: true });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'local_unavailable' } });
    const line = await audited(res);
    expect(line).toMatchObject({ local: { decision: 'rejected', reason: 'upstream_unreachable' } });
    expect(line.attempts).toEqual(
      expect.arrayContaining([expect.objectContaining({ provider: DEAD[policy], outcome: 'failed' })]),
    );
    expect((line.attempts as { provider: string }[]).every((a) => a.provider === DEAD[policy])).toBe(true);
  });

  it('when the local server is at capacity', async () => {
    t.local.faults.next({ holdAfterEvents: 1 });
    const held = await t.post({ model: LIVE[policy], messages: said('hold'), stream: true });
    expect(held.status).toBe(200);
    const queued = policy === 'queue' ? t.post({ model: LIVE[policy], messages: said('queued') }) : undefined;
    if (queued)
      await waitFor(async () => (await t.status(LIVE[policy]))?.queued === 1, { timeoutMs: 3_000, intervalMs: 20 });
    const res = await t.post({ model: LIVE[policy], messages: said('overflow') });
    expect(res.status).toBe(429);
    const code = policy === 'queue' ? 'local_queue_full' : 'local_capacity';
    expect(await res.json()).toMatchObject({ error: { code } });
    // The queued one waits out its 400 ms behind the held stream: 503.
    if (queued) expect((await queued).status).toBe(503);
    t.local.release();
    expect((await events(held)).done).toBe(true);
  });

  it('when the local server answers 503 before the first byte', async () => {
    t.local.faults.forModel(LIVE[policy].slice('local/'.length), { status: 503 });
    const res = await t.post({ model: LIVE[policy], messages: said('503'), stream: true });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'local_unavailable' } });
    expect(await audited(res)).toMatchObject({ local: { decision: 'rejected', reason: 'upstream_unavailable' } });
  });

  it('when no first token comes in time', async () => {
    t.local.faults.forModel(LIVE[policy].slice('local/'.length), { hang: true });
    const started = Date.now();
    const res = await t.post({ model: LIVE[policy], messages: said('hang'), stream: true });
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await audited(res)).toMatchObject({ local: { decision: 'rejected', reason: 'first_token_timeout' } });
  });
});

describe('after the first token', () => {
  it.each(['local/s', 'local/r'])(
    '%s: a stream cut mid-way ends with an error event, re-sent nowhere',
    async (model) => {
      const calls = t.local.log.countFor(model.slice('local/'.length));
      t.local.faults.next({ dropAfterEvents: 2 });
      const res = await t.post({ model, messages: said('one two three four five six'), stream: true });
      expect(res.status).toBe(200);
      const { errors, done } = await events(res);
      expect(errors).toEqual([expect.stringMatching(/"code":"upstream_stream_failed"/)]);
      expect(done).toBe(false);
      expect(t.local.log.countFor(model.slice('local/'.length))).toBe(calls + 1);
      expect(await audited(res)).toMatchObject({ status: 502, local: { decision: 'served' } });
    },
  );
});
