// The fake Anthropic upstream's model: request checks as the Messages API makes them, and deterministic replies.
import type {
  AnthropicResponse,
  AnthropicUsage,
  RequestBlock,
  ResponseBlock,
  ToolUseBlock,
} from '../ai-gateway/providers/anthropic/types.js';

/** One SSE event as the fake writes it. */
export interface FakeEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface ScriptOptions {
  /** Reported on every answer as `cache_read_input_tokens` / `cache_creation_input_tokens`. */
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

interface Msg {
  role: string;
  content: string | RequestBlock[];
}

interface Req {
  model: string;
  max_tokens: number;
  messages: Msg[];
  system?: unknown;
  tools?: { name: string }[];
  tool_choice?: { type: string; name?: string };
  stop_sequences?: string[];
}

/** Why the Messages API would refuse this body (400), or undefined when it is well formed. */
export function invalidReason(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body: not a JSON object';
  const req = body as Partial<Req>;
  if (typeof req.model !== 'string' || req.model === '') return 'model: Field required';
  if (!Number.isInteger(req.max_tokens) || (req.max_tokens ?? 0) < 1) return 'max_tokens: Field required';
  if (!Array.isArray(req.messages) || req.messages.length === 0) return 'messages: at least one message is required';
  const reasons = req.messages.map(messageReason).filter((r) => r !== undefined);
  return reasons[0] ?? toolPairingReason(req.messages);
}

function messageReason(m: Msg, i: number): string | undefined {
  if (m.role !== (i % 2 === 0 ? 'user' : 'assistant'))
    return `messages.${i}: roles must alternate between "user" and "assistant", starting with "user"`;
  if (typeof m.content !== 'string' && (!Array.isArray(m.content) || m.content.length === 0))
    return `messages.${i}: content must be a string or a non-empty array`;
  const empty = Array.isArray(m.content) && m.content.some((b) => b.type === 'text' && b.text === '');
  return empty ? `messages.${i}: text content blocks must be non-empty` : undefined;
}

/** Every tool_use is answered by a tool_result in the very next (user) turn, and results come first in it. */
function toolPairingReason(messages: Msg[]): string | undefined {
  for (const [i, m] of messages.entries()) {
    const blocks = Array.isArray(m.content) ? m.content : [];
    const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    const prev = messages[i - 1];
    const asked = Array.isArray(prev?.content)
      ? prev.content.filter((b): b is ToolUseBlock => b.type === 'tool_use').map((b) => b.id)
      : [];
    if (results.some((id) => !asked.includes(id)))
      return `messages.${i}: unexpected tool_use_id found in tool_result blocks`;
    if (asked.some((id) => !results.includes(id)))
      return `messages.${i}: tool_use ids were found without tool_result blocks immediately after`;
    const lastResult = blocks.map((b) => b.type).lastIndexOf('tool_result');
    if (lastResult >= results.length) return `messages.${i}: tool_result blocks must come first`;
  }
  return undefined;
}

/**
 * The reply, deterministic:
 * - the last user turn holds tool results: `tool result: <content>` for each;
 * - tools are given and `tool_choice` names one, or is `any`, or the prompt says `call <tool name>` (and
 *   tool_choice is not `none`): a tool_use of that tool (the first one for `any`) whose input is the JSON object
 *   written in the prompt (`call get_weather {"city":"Paris"}`), else `{}`; unless forced, a short text comes first;
 * - otherwise `echo: <the last user text>`.
 * Stop sequences and max_tokens (counted in words) cut the text as the real API does.
 */
export function reply(body: Req, id: string, opts: ScriptOptions): AnthropicResponse {
  const last = body.messages.at(-1);
  const blocks =
    typeof last?.content === 'string' ? [{ type: 'text' as const, text: last.content }] : (last?.content ?? []);
  const prompt = blocks.map((b) => (b.type === 'text' ? b.text : '')).join(' ');
  const results = blocks.flatMap((b) => (b.type === 'tool_result' ? [resultText(b.content)] : []));
  const tool = results.length > 0 ? undefined : chosenTool(body, prompt);
  const content: ResponseBlock[] = [];
  let stop: AnthropicResponse['stop_reason'] = 'end_turn';
  let stopSequence: string | null = null;
  if (tool) {
    if (body.tool_choice?.type !== 'tool') content.push({ type: 'text', text: `Calling ${tool}.` });
    content.push({ type: 'tool_use', id: `toolu_${id}_0`, name: tool, input: jsonIn(prompt) });
    stop = 'tool_use';
  } else {
    let text = results.length > 0 ? results.map((r) => `tool result: ${r}`).join('\n') : `echo: ${prompt}`;
    const hit = (body.stop_sequences ?? []).map((s) => ({ s, at: text.indexOf(s) })).find((h) => h.at >= 0);
    if (hit) [text, stop, stopSequence] = [text.slice(0, hit.at), 'stop_sequence', hit.s];
    const words = text.split(' ');
    if (words.length > body.max_tokens) [text, stop] = [words.slice(0, body.max_tokens).join(' '), 'max_tokens'];
    content.push({ type: 'text', text });
  }
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: stopSequence,
    usage: usage(body, content, opts),
  };
}

function chosenTool(body: Req, prompt: string): string | undefined {
  const names = (body.tools ?? []).map((t) => t.name);
  const choice = body.tool_choice;
  if (names.length === 0 || choice?.type === 'none') return undefined;
  if (choice?.type === 'tool') return choice.name;
  const asked = /\bcall ([a-zA-Z0-9_-]+)/.exec(prompt)?.[1];
  if (asked !== undefined && names.includes(asked)) return asked;
  return choice?.type === 'any' ? names[0] : undefined;
}

function jsonIn(prompt: string): Record<string, unknown> {
  const from = prompt.indexOf('{');
  const to = prompt.lastIndexOf('}');
  if (from < 0 || to < from) return {};
  try {
    const parsed: unknown = JSON.parse(prompt.slice(from, to + 1));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function resultText(content: string | { type: string; text?: string }[]): string {
  return typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('');
}

/** Tokens are words here: input counts every text of the request, output the reply's text and tool inputs. */
function usage(body: Req, content: ResponseBlock[], opts: ScriptOptions): AnthropicUsage {
  const output = content.map((b) => ('text' in b ? String(b.text) : 'input' in b ? JSON.stringify(b.input) : ''));
  return {
    input_tokens: words(JSON.stringify([body.system ?? '', body.messages.map((m) => m.content)])),
    output_tokens: words(output.join(' ')),
    cache_read_input_tokens: opts.cacheReadInputTokens,
    cache_creation_input_tokens: opts.cacheCreationInputTokens,
  };
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The events of a streamed reply, with real-API framing: pings, and text and tool input in several deltas. */
export function streamEvents(msg: AnthropicResponse): FakeEvent[] {
  const { content, stop_reason, stop_sequence, usage: u, ...head } = msg;
  const start = { ...head, content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 1 } };
  const events: FakeEvent[] = [
    { event: 'message_start', data: { type: 'message_start', message: start } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  content.forEach((block, index) => events.push(...blockEvents(block, index)));
  events.push(
    { event: 'ping', data: { type: 'ping' } },
    {
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason, stop_sequence }, usage: { output_tokens: u.output_tokens } },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

function blockEvents(block: ResponseBlock, index: number): FakeEvent[] {
  const isTool = block.type === 'tool_use';
  const whole = isTool ? JSON.stringify((block as ToolUseBlock).input) : (block as { text: string }).text;
  const pieces = isTool ? ['', ...(whole.match(/.{1,6}/gs) ?? [])] : (whole.match(/\s*\S+|\s+$/g) ?? []);
  const startBlock = isTool ? { ...block, input: {} } : { type: 'text', text: '' };
  const delta = (piece: string): Record<string, unknown> =>
    isTool ? { type: 'input_json_delta', partial_json: piece } : { type: 'text_delta', text: piece };
  return [
    { event: 'content_block_start', data: { type: 'content_block_start', index, content_block: startBlock } },
    ...pieces.map((piece) => ({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index, delta: delta(piece) },
    })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
  ];
}

/** The error type Anthropic sends with a status. */
export function errorTypeOf(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? 'api_error';
}
