/**
 * The fake Bedrock's scripted, deterministic answers (the server is fake-bedrock.ts). The convention:
 * - a token is a whitespace-separated word (an image counts as one token); input tokens count every text of the
 *   system prompt and the messages, tool inputs and results included;
 * - the answer to a plain prompt is `echo: <the last user text>`;
 * - with tools offered, the text `call <tool>` (optionally followed by a JSON object, the call's input) makes the
 *   model call that tool, once per `call` phrase, in order; `toolChoice: any` without such a phrase calls the first
 *   tool with `{}`; a forced `toolChoice: tool` calls it with the first JSON object of the last user text, or
 *   `{"text": <that text>}`;
 * - a last user message of tool results is answered `tool results: <their texts, joined by "; ">`;
 * - `maxTokens` cuts the text to that many words (stopReason max_tokens); a stop sequence in the text cuts it
 *   before the sequence (stop_sequence);
 * - with the prompt cache on, a system prompt seen before is reported as cache reads, a new one as cache writes.
 */
import { createHash } from 'node:crypto';

export interface WireBlock {
  text?: string;
  image?: unknown;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content?: { text?: string }[] };
}

/** A Converse request body as it arrives (modelId is in the path). */
export interface WireRequest {
  messages?: { role: string; content?: WireBlock[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number; stopSequences?: string[] };
  toolConfig?: {
    tools?: { toolSpec?: { name: string } }[];
    toolChoice?: { auto?: object; any?: object; tool?: { name: string } };
  };
}

export interface Reply {
  content: WireBlock[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';
  usage: {
    inputTokens: number;
    outputTokens: number;
    totalTokens: number;
    cacheReadInputTokens?: number;
    cacheWriteInputTokens?: number;
  };
}

export function countTokens(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

function blockTokens(b: WireBlock): number {
  if (b.text !== undefined) return countTokens(b.text);
  if (b.image !== undefined) return 1;
  if (b.toolUse) return countTokens(JSON.stringify(b.toolUse.input));
  return countTokens((b.toolResult?.content ?? []).map((c) => c.text ?? '').join(' '));
}

/** `cache`: the system prompts seen so far (the server's prompt cache), or undefined when the cache is off. */
export function scriptedReply(req: WireRequest, cache?: Set<string>): Reply {
  const messages = req.messages ?? [];
  const last = messages.at(-1)?.content ?? [];
  const lastText = last.flatMap((b) => (b.text === undefined ? [] : [b.text])).join(' ');
  const calls = toolCalls(req, lastText);
  let content: WireBlock[];
  let stopReason: Reply['stopReason'] = 'end_turn';
  if (calls.length > 0) {
    content = calls;
    stopReason = 'tool_use';
  } else {
    const results = last.flatMap((b) =>
      b.toolResult ? [(b.toolResult.content ?? []).map((c) => c.text).join('')] : [],
    );
    const cut = limitText(results.length > 0 ? `tool results: ${results.join('; ')}` : `echo: ${lastText}`, req);
    content = [{ text: cut.text }];
    stopReason = cut.stopReason ?? stopReason;
  }
  return { content, stopReason, usage: usage(req, content, cache) };
}

function toolCalls(req: WireRequest, lastText: string): WireBlock[] {
  const names = (req.toolConfig?.tools ?? []).flatMap((t) => (t.toolSpec ? [t.toolSpec.name] : []));
  if (names.length === 0) return [];
  const choice = req.toolConfig?.toolChoice;
  const id = (i: number): string =>
    `tooluse_${createHash('sha256')
      .update(`${JSON.stringify(req.messages)}#${i}`)
      .digest('hex')
      .slice(0, 16)}`;
  if (choice?.tool) {
    const input = firstJsonObject(lastText) ?? { text: lastText };
    return [{ toolUse: { toolUseId: id(0), name: choice.tool.name, input } }];
  }
  const asked = [...lastText.matchAll(/\bcall ([a-zA-Z0-9_-]+)/g)].filter((m) => names.includes(m[1]!));
  const uses = asked.map((m, i) => ({
    toolUse: { toolUseId: id(i), name: m[1]!, input: firstJsonObject(lastText.slice(m.index + m[0].length)) ?? {} },
  }));
  if (uses.length === 0 && choice?.any) return [{ toolUse: { toolUseId: id(0), name: names[0]!, input: {} } }];
  return uses;
}

/** The first balanced `{...}` that parses as a JSON object. */
function firstJsonObject(text: string): Record<string, unknown> | undefined {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    for (let end = text.indexOf('}', start); end >= 0; end = text.indexOf('}', end + 1)) {
      const value = jsonObject(text.slice(start, end + 1));
      if (value) return value;
    }
  }
  return undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function limitText(text: string, req: WireRequest): { text: string; stopReason?: Reply['stopReason'] } {
  for (const stop of req.inferenceConfig?.stopSequences ?? []) {
    const at = text.indexOf(stop);
    if (at >= 0) return { text: text.slice(0, at), stopReason: 'stop_sequence' };
  }
  const max = req.inferenceConfig?.maxTokens;
  const words = text.split(' ');
  if (max !== undefined && countTokens(text) > max) {
    return { text: words.slice(0, max).join(' '), stopReason: 'max_tokens' };
  }
  return { text };
}

function usage(req: WireRequest, content: WireBlock[], cache?: Set<string>): Reply['usage'] {
  const system = (req.system ?? []).map((s) => s.text ?? '').join('\n');
  const systemTokens = countTokens(system);
  const messageTokens = (req.messages ?? []).flatMap((m) => m.content ?? []).reduce((n, b) => n + blockTokens(b), 0);
  const outputTokens = content.reduce((n, b) => n + blockTokens(b), 0);
  if (!cache || systemTokens === 0) {
    const inputTokens = systemTokens + messageTokens;
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  }
  const seen = cache.has(system);
  cache.add(system);
  return {
    inputTokens: messageTokens,
    outputTokens,
    totalTokens: systemTokens + messageTokens + outputTokens,
    ...(seen ? { cacheReadInputTokens: systemTokens } : { cacheWriteInputTokens: systemTokens }),
  };
}

/** The ConverseStream events of a reply, as [event type, payload]: text word by word, tool input in two parts. */
export function streamEvents(reply: Reply): [string, unknown][] {
  const events: [string, unknown][] = [['messageStart', { role: 'assistant' }]];
  reply.content.forEach((block, contentBlockIndex) => {
    if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      events.push(['contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId, name } } }]);
      const json = JSON.stringify(input);
      const half = Math.ceil(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        if (part !== '') events.push(['contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: part } } }]);
      }
    } else {
      for (const piece of (block.text ?? '').match(/\S+\s*/g) ?? []) {
        events.push(['contentBlockDelta', { contentBlockIndex, delta: { text: piece } }]);
      }
    }
    events.push(['contentBlockStop', { contentBlockIndex }]);
  });
  events.push(['messageStop', { stopReason: reply.stopReason }]);
  events.push(['metadata', { usage: reply.usage, metrics: { latencyMs: 1 } }]);
  return events;
}
