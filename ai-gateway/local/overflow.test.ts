import { describe, expect, it } from '@jest/globals';
import type { OverflowConfig } from '../config.js';
import type { ChatChunk } from '../openai/types.js';
import type { ChatAttempt, Provider, ProviderKind, UpstreamFailure } from '../providers/provider.js';
import { ClientGone, TotalTimeout, type Attempt, type ResolvedTarget } from '../server/dispatch.js';
import { LocalCapacity } from './capacity.js';
import { dispatchLocal, type LocalDispatch, type LocalRoute } from './overflow.js';

const price = { input: 1, output: 2, cachedInput: 0.5 };
const FREE = { input: 0, output: 0, cachedInput: 0 };

/** What the local server does with a call (every call, unless a test changes it). */
type Behaviour = 'answer' | 'refuse' | 'status503' | 'hang' | 'status400' | 'cutShort';
/** How a request fails to stay local, per the issue: at capacity, or a pre-first-token failure, or the client's own. */
type Scenario = 'at capacity' | 'connection refused' | '503 before first byte' | 'first-token timeout' | 'a 400';

const failure = (status: number, code: string, retryable: boolean): UpstreamFailure => ({
  status,
  type: 'upstream_error',
  code,
  message: `injected ${code}`,
  retryable,
});

const chunk: ChatChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'llama',
  choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
};

/** A provider that counts its calls and answers as told; `hang` waits for its signal, as a real provider does. */
class CountingProvider implements Provider {
  calls = 0;
  constructor(
    readonly name: string,
    readonly type: ProviderKind,
    public behaviour: Behaviour = 'answer',
  ) {}

  chat(_request: unknown, ctx: { signal: AbortSignal }): Promise<ChatAttempt> {
    this.calls++;
    switch (this.behaviour) {
      case 'answer':
        return Promise.resolve({ ok: true, stream: { first: chunk, rest: (async function* () {})() } });
      case 'refuse':
        return Promise.resolve({ ok: false, failure: failure(502, 'upstream_unreachable', true) });
      case 'status503':
        return Promise.resolve({ ok: false, failure: failure(502, 'upstream_unavailable', true) });
      case 'status400':
        return Promise.resolve({ ok: false, failure: failure(400, 'upstream_rejected', false) });
      case 'cutShort':
        return Promise.resolve({ ok: false, failure: failure(502, 'upstream_bad_response', true) });
      case 'hang':
        return new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () =>
            resolve({ ok: false, failure: failure(504, 'upstream_aborted', true) }),
          ),
        );
    }
  }

  embeddings(): never {
    throw new Error('unused');
  }

  close(): void {}
}

interface Harness {
  route: LocalRoute;
  local: CountingProvider;
  remote: CountingProvider;
  /** Every target the attempt function was called with. */
  attempted: string[];
  run(signal?: AbortSignal, streamed?: boolean): Promise<LocalDispatch<ChatAttempt>>;
}

/**
 * A local model `local/llama` (maxConcurrency 1) and a remote fallback `remote-chat`, both counting. `route.fallback`
 * holds the remote target whatever the policy: the policy alone must keep a request local.
 */
function harness(policy: OverflowConfig['policy'], opts: { fallback?: boolean; maxWaitMs?: number } = {}): Harness {
  const local = new CountingProvider('local/llama', 'vllm');
  const remote = new CountingProvider('openai', 'openai');
  const remoteTarget: ResolvedTarget = { provider: 'openai', model: 'gpt-x', price, instance: remote };
  const overflow: OverflowConfig = {
    policy,
    ...(opts.fallback === false ? {} : { fallback: { model: 'remote-chat', targets: [remoteTarget] } }),
    maxConcurrency: 1,
    queue: { maxSize: 4, maxWaitMs: opts.maxWaitMs ?? 300 },
    firstTokenTimeoutMs: 40,
  };
  const route: LocalRoute = {
    target: { provider: 'local/llama', model: 'llama', price: FREE, instance: local },
    capacity: new LocalCapacity({ maxConcurrency: 1 }),
    overflow,
    fallback: [remoteTarget],
  };
  const attempted: string[] = [];
  const attempt = async (t: ResolvedTarget, signal: AbortSignal): Promise<Attempt<ChatAttempt>> => {
    attempted.push(t.provider);
    const a = await t.instance.chat(
      { model: t.model, messages: [{ role: 'user', content: 'secret' }] },
      {
        signal,
        requestId: 'r1',
      },
    );
    return a.ok ? { ok: true, value: a } : a;
  };
  const run = (signal = new AbortController().signal, streamed = true): Promise<LocalDispatch<ChatAttempt>> =>
    dispatchLocal(route, attempt, { retries: 1, backoffMs: 1, firstTokenTimeoutMs: 10_000, signal, streamed });
  return { route, local, remote, attempted, run };
}

/** Puts the harness's local server in the scenario; at capacity, the one slot is held for the whole test. */
function arrange(h: Harness, scenario: Scenario): void {
  const behaviours: Record<Scenario, Behaviour> = {
    'at capacity': 'answer',
    'connection refused': 'refuse',
    '503 before first byte': 'status503',
    'first-token timeout': 'hang',
    'a 400': 'status400',
  };
  h.local.behaviour = behaviours[scenario];
  if (scenario === 'at capacity') h.route.capacity.tryAcquire();
}

const SCENARIOS: Scenario[] = [
  'at capacity',
  'connection refused',
  '503 before first byte',
  'first-token timeout',
  'a 400',
];
const REASON: Record<Scenario, string> = {
  'at capacity': 'at_capacity',
  'connection refused': 'upstream_unreachable',
  '503 before first byte': 'upstream_unavailable',
  'first-token timeout': 'first_token_timeout',
  'a 400': '',
};

describe.each(['reject', 'spill without fallback'] as const)('policy %s', (policy) => {
  const make = (): Harness => (policy === 'reject' ? harness('reject') : harness('spill', { fallback: false }));

  it.each(SCENARIOS.filter((s) => s !== 'a 400'))('answers %s with an error at once', async (scenario) => {
    const h = make();
    arrange(h, scenario);
    const { result, decision, release } = await h.run();
    const status = scenario === 'at capacity' ? 429 : 503;
    const code = scenario === 'at capacity' ? 'local_capacity' : 'local_unavailable';
    expect(result).toMatchObject({ ok: false, failure: { status, code, retryable: false } });
    expect(decision).toEqual({
      policy: h.route.overflow.policy,
      decision: 'rejected',
      queuedMs: 0,
      reason: REASON[scenario],
    });
    expect(release).toBeUndefined();
    expect(h.local.calls).toBe(scenario === 'at capacity' ? 0 : 1);
    expect(h.remote.calls).toBe(0);
    if (policy !== 'reject' && !result.ok) expect(result.failure.message).toContain('spill with no fallback');
  });

  it('passes a 400 on as the local answer', async () => {
    const h = make();
    arrange(h, 'a 400');
    const { result, decision } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 400, code: 'upstream_rejected' } });
    expect(decision).toMatchObject({ decision: 'served', queuedMs: 0 });
    expect(h.remote.calls).toBe(0);
  });
});

describe('policy spill with a fallback', () => {
  it.each(SCENARIOS.filter((s) => s !== 'a 400'))('sends %s to the fallback, once', async (scenario) => {
    const h = harness('spill');
    arrange(h, scenario);
    const { result, decision, release } = await h.run();
    expect(result).toMatchObject({ ok: true, target: { provider: 'openai' } });
    expect(decision).toEqual({
      policy: 'spill',
      decision: 'spilled',
      queuedMs: 0,
      spilledTo: 'remote-chat',
      reason: REASON[scenario],
    });
    // A spilled answer holds no local slot.
    expect(release).toBeUndefined();
    expect(h.remote.calls).toBe(1);
    expect(h.local.calls).toBe(scenario === 'at capacity' ? 0 : 1);
    expect(result.tried.map((t) => t.provider)).toEqual(
      scenario === 'at capacity' ? ['openai'] : ['local/llama', 'openai'],
    );
  });

  it('never sends a 400 elsewhere', async () => {
    const h = harness('spill');
    arrange(h, 'a 400');
    const { result, decision } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 400 } });
    expect(decision.decision).toBe('served');
    expect(h.remote.calls).toBe(0);
  });

  it('rejects when the fallback named in the config resolved to no target', async () => {
    const h = harness('spill');
    h.route.fallback = [];
    arrange(h, 'at capacity');
    const { result, decision } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 429, code: 'local_capacity' } });
    expect(decision).toMatchObject({ decision: 'rejected', reason: 'at_capacity' });
    expect(h.remote.calls).toBe(0);
  });
});

describe('policy queue', () => {
  it('waits for capacity and gives up after its maximum wait with 503 local_queue_timeout', async () => {
    const h = harness('queue', { maxWaitMs: 60 });
    arrange(h, 'at capacity');
    const { result, decision } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 503, code: 'local_queue_timeout' } });
    expect(decision).toMatchObject({ policy: 'queue', decision: 'rejected', reason: 'queue_timeout' });
    // The audit line says how long it waited before the 503, not 0.
    expect(decision.queuedMs).toBeGreaterThanOrEqual(50);
    expect(h.route.capacity.queued).toBe(0);
    expect(h.local.calls).toBe(0);
  });

  it('serves a queued request once capacity frees, recording how long it queued', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    const held = h.route.capacity.tryAcquire()!;
    const pending = h.run();
    await new Promise((r) => setTimeout(r, 30));
    expect(h.route.capacity.queued).toBe(1);
    held();
    const { result, decision, release } = await pending;
    expect(result).toMatchObject({ ok: true, target: { provider: 'local/llama' } });
    expect(decision.decision).toBe('served');
    expect(decision.queuedMs).toBeGreaterThanOrEqual(25);
    // The answer holds the slot until its call ends.
    expect(h.route.capacity.running).toBe(1);
    release!();
    expect(h.route.capacity.running).toBe(0);
  });

  it('answers 429 local_queue_full when the queue is full', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    h.route.overflow = { ...h.route.overflow, queue: { maxSize: 1, maxWaitMs: 5_000 } };
    const held = h.route.capacity.tryAcquire()!;
    const first = h.run();
    const { result, decision } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 429, code: 'local_queue_full', retryAfterMs: 1000 } });
    expect(decision).toMatchObject({ decision: 'rejected', reason: 'queue_full' });
    held();
    (await first).release!();
  });

  it.each(['connection refused', '503 before first byte', 'first-token timeout'] as const)(
    'retries a server failing with %s until its wait runs out, then 503 local_unavailable',
    async (scenario) => {
      const h = harness('queue', { maxWaitMs: 300 });
      arrange(h, scenario);
      const started = Date.now();
      const { result, decision } = await h.run();
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(result).toMatchObject({ ok: false, failure: { status: 503, code: 'local_unavailable' } });
      expect(decision).toMatchObject({ policy: 'queue', decision: 'rejected', reason: REASON[scenario] });
      expect(h.local.calls).toBeGreaterThanOrEqual(2);
      expect(result.tried).toHaveLength(h.local.calls);
      expect(h.route.capacity.running).toBe(0);
    },
  );

  it('serves from a server that comes back while the request waits', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    h.local.behaviour = 'refuse';
    setTimeout(() => (h.local.behaviour = 'answer'), 50);
    const { result, decision, release } = await h.run();
    expect(result).toMatchObject({ ok: true, target: { provider: 'local/llama' } });
    expect(decision.decision).toBe('served');
    expect(decision.queuedMs).toBeGreaterThan(0);
    release!();
  });

  it('passes a 400 on at once, without retrying', async () => {
    const h = harness('queue');
    arrange(h, 'a 400');
    const { result } = await h.run();
    expect(result).toMatchObject({ ok: false, failure: { status: 400 } });
    expect(h.local.calls).toBe(1);
  });

  it('records a total deadline that passes in the queue as such, not as the client leaving', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    const held = h.route.capacity.tryAcquire()!;
    const deadline = new AbortController();
    const pending = h.run(deadline.signal);
    await new Promise((r) => setTimeout(r, 10));
    deadline.abort(new TotalTimeout('total deadline'));
    const { result, decision } = await pending;
    expect(result).toMatchObject({ ok: false, failure: { status: 504, code: 'total_timeout' } });
    expect(decision).toMatchObject({ decision: 'rejected', reason: 'total_timeout' });
    held();
  });

  it('lets a client that leaves the queue go with a 499-shaped result', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    const held = h.route.capacity.tryAcquire()!;
    const client = new AbortController();
    const pending = h.run(client.signal);
    await new Promise((r) => setTimeout(r, 10));
    client.abort(new ClientGone());
    const { result, decision } = await pending;
    expect(result).toMatchObject({ ok: false, failure: { status: 499, code: 'client_closed' } });
    expect(decision).toMatchObject({ decision: 'rejected', reason: 'client_gone' });
    expect(h.route.capacity.queued).toBe(0);
    held();
    expect(h.route.capacity.running).toBe(0);
    expect(h.local.calls).toBe(0);
  });

  it('sends nothing more for a client that leaves between tries of a failed server', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    h.local.behaviour = 'refuse';
    const client = new AbortController();
    const pending = h.run(client.signal);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.local.calls).toBe(1);
    client.abort(new ClientGone());
    const { result } = await pending;
    expect(result).toMatchObject({ ok: false, failure: { status: 499 } });
    expect(h.local.calls).toBe(1);
    expect(h.route.capacity.running).toBe(0);
  });

  it('answers 504 when the total deadline passes in the queue', async () => {
    const h = harness('queue', { maxWaitMs: 5_000 });
    h.route.capacity.tryAcquire();
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(new TotalTimeout('total deadline')), 20);
    const { result } = await h.run(deadline.signal);
    expect(result).toMatchObject({ ok: false, failure: { status: 504, code: 'total_timeout' } });
  });
});

describe('the first token', () => {
  it("bounds a streamed answer's first chunk by the local first-token timeout", async () => {
    const h = harness('reject');
    h.local.behaviour = 'hang';
    const started = Date.now();
    const { decision } = await h.run(undefined, true);
    expect(decision.reason).toBe('first_token_timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("bounds a whole answer only by the caller's deadline: its first token is its last", async () => {
    const h = harness('reject');
    h.local.behaviour = 'hang';
    const client = new AbortController();
    setTimeout(() => client.abort(new TotalTimeout('total')), 150);
    const { result, decision } = await h.run(client.signal, false);
    // Still waiting on the local server well past the 40 ms first-token timeout, until the total deadline.
    expect(result).toMatchObject({ ok: false, failure: { code: 'total_timeout' } });
    expect(decision.reason).toBeUndefined();
    expect(h.local.calls).toBe(1);
  });

  it('keeps a started stream local and holds its slot: nothing after it is re-sent anywhere', async () => {
    const h = harness('spill');
    const { result, decision, release } = await h.run();
    expect(result).toMatchObject({ ok: true, target: { provider: 'local/llama' } });
    expect(decision).toEqual({ policy: 'spill', decision: 'served', queuedMs: 0 });
    expect(h.route.capacity.running).toBe(1);
    release!();
    release!();
    expect(h.route.capacity.running).toBe(0);
    expect(h.remote.calls).toBe(0);
  });
});

describe('the promise: with queue or reject, or spill without a fallback, nothing leaves', () => {
  const policies = [
    ['queue', (): Harness => harness('queue', { maxWaitMs: 120 })],
    ['reject', (): Harness => harness('reject')],
    ['spill without fallback', (): Harness => harness('spill', { fallback: false })],
  ] as const;

  it.each(policies.flatMap(([name, make]) => SCENARIOS.map((s) => [name, s, make] as const)))(
    '%s, %s: the fallback target is never attempted',
    async (_policy, scenario, make) => {
      const h = make();
      arrange(h, scenario);
      await h.run();
      await h.run(AbortSignal.abort(new ClientGone()));
      expect(h.remote.calls).toBe(0);
      expect(h.attempted.filter((p) => p !== 'local/llama')).toEqual([]);
    },
  );
});

describe('a local answer cut short after its 2xx', () => {
  it.each<OverflowConfig['policy']>(['spill', 'queue', 'reject'])(
    'is final under %s: the server had started answering, so nothing is re-sent anywhere',
    async (policy) => {
      const h = harness(policy);
      h.local.behaviour = 'cutShort';
      const { result, decision } = await h.run(undefined, false);
      expect(result).toMatchObject({ ok: false, failure: { code: 'upstream_bad_response' } });
      expect(decision).toMatchObject({ decision: 'served' });
      expect(h.local.calls).toBe(1);
      expect(h.remote.calls).toBe(0);
    },
  );
});
