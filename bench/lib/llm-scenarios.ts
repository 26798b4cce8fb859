import { FAKE_OPENAI_KEY, GATEWAY_KEYS } from '../../testing/fake-llm-upstreams.js';
import type { HttpTarget } from './llm-load.js';
import type { Child } from './llm-processes.js';

/** The AI gateway benchmark's running processes. */
export interface Procs {
  upstream: Child;
  csgw: Child & { adminUrl: string };
  portkey?: Child;
  nodeProxy?: Child;
}

/** What a load run is sent to, and which process's CPU and memory it measures. */
export interface Scenario {
  target: HttpTarget;
  gateway?: Child;
}

const SYSTEM = 'You are a concise assistant. Answer in one short paragraph, without lists or headings.';
/** Per benchmark run, so a prompt never repeats one of an earlier run (whose cache may survive on disk). */
const TAG = Math.random().toString(36).slice(2, 8);

/** A chat request body (≈ 290 B); `prompt` undefined gives a new prompt (a cache miss) on every call. */
function chatBodies(model: string, prompt?: string): () => string {
  let n = 0;
  return () =>
    JSON.stringify({
      model,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: prompt ?? `Run ${TAG}, question ${n++}: what does an exact-match cache key cover?` },
      ],
      temperature: 0.2,
      max_tokens: 256,
    });
}

/**
 * Every scenario the processes allow: `direct` (the fake upstream, its own key), `node-proxy` and `portkey` (the
 * same requests through them), `csgw` (new prompts, a gateway key) and `csgw-hit` (one prompt, over and over).
 */
export function scenarios(p: Procs): Record<string, Scenario> {
  const json = { 'content-type': 'application/json' };
  const upstreamAuth = { ...json, authorization: `Bearer ${FAKE_OPENAI_KEY}` };
  const csgwAuth = { ...json, authorization: `Bearer ${GATEWAY_KEYS.teamA}` };
  const target = (name: string, base: string, headers: Record<string, string>, body: () => string): HttpTarget => ({
    name,
    url: `${base}/chat/completions`,
    headers,
    body,
  });
  const out: Record<string, Scenario> = {
    direct: { target: target('direct', p.upstream.url, upstreamAuth, chatBodies('openai-primary')) },
    csgw: { target: target('csgw', p.csgw.url, csgwAuth, chatBodies('openai-chat')), gateway: p.csgw },
    'csgw-hit': {
      target: target('csgw-hit', p.csgw.url, csgwAuth, chatBodies('openai-chat', `Run ${TAG}: the one question.`)),
      gateway: p.csgw,
    },
  };
  if (p.nodeProxy)
    out['node-proxy'] = {
      target: target('node-proxy', p.nodeProxy.url, upstreamAuth, chatBodies('openai-primary')),
      gateway: p.nodeProxy,
    };
  if (p.portkey) {
    const headers = { ...upstreamAuth, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': p.upstream.url };
    out.portkey = {
      target: target('portkey', p.portkey.url, headers, chatBodies('openai-primary')),
      gateway: p.portkey,
    };
  }
  return out;
}
