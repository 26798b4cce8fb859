import type { ChatChunk, ChatCompletion, FinishReason, ToolCall, Usage } from '../openai/types.js';

/**
 * A streamed answer is stored whole, and a stored answer is replayed as a stream: `assemble(replay(c))` equals `c`
 * for any completion the cache stores (see cacheable() for what it refuses: per-token logprobs, audio, legacy
 * function_call). Choice- and message-level fields other than content, refusal, tool_calls, finish_reason and a
 * null logprobs are not carried; top-level fields (id, created, model, system_fingerprint, service_tier, ...) are.
 */

type ChunkChoice = ChatChunk['choices'][number];
type CompletionChoice = ChatCompletion['choices'][number];

interface ChoiceParts {
  index: number;
  /** null until a string content delta arrives: a tool-call-only stream assembles to `content: null`, as OpenAI. */
  content: string | null;
  refusal: string | null | undefined;
  tools: Map<number, ToolCall>;
  finish: FinishReason | null;
  logprobs: boolean;
}

function mergeTools(parts: ChoiceParts, delta: ChunkChoice['delta']): void {
  for (const fragment of delta.tool_calls ?? []) {
    let call = parts.tools.get(fragment.index);
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      parts.tools.set(fragment.index, call);
    }
    if (fragment.id) call.id = fragment.id;
    // Names arrive whole in the first fragment; arguments arrive in pieces.
    if (fragment.function?.name && !call.function.name) call.function.name = fragment.function.name;
    if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
  }
}

function mergeChoice(parts: ChoiceParts, choice: ChunkChoice): void {
  const { delta } = choice;
  if (typeof delta.content === 'string') parts.content = (parts.content ?? '') + delta.content;
  if (typeof delta.refusal === 'string') parts.refusal = (parts.refusal ?? '') + delta.refusal;
  else if (delta.refusal === null && parts.refusal === undefined) parts.refusal = null;
  mergeTools(parts, delta);
  if (choice.finish_reason) parts.finish = choice.finish_reason;
  if ('logprobs' in choice) parts.logprobs = true;
}

function toChoice(parts: ChoiceParts): CompletionChoice {
  const message: CompletionChoice['message'] = { role: 'assistant', content: parts.content };
  if (parts.tools.size > 0) message.tool_calls = [...parts.tools.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
  if (parts.refusal !== undefined) message.refusal = parts.refusal;
  const choice: CompletionChoice = { index: parts.index, message, finish_reason: parts.finish };
  // Logprobs are never cached (cacheable()); a `logprobs: null` marker is kept so the round trip is exact.
  if (parts.logprobs) choice.logprobs = null;
  return choice;
}

/** A whole stream (every chunk, the usage chunk included) -> the completion a non-streaming call would have got. */
export function assemble(chunks: readonly ChatChunk[]): ChatCompletion {
  const first = chunks[0];
  if (!first) throw new Error('assemble: a stream has at least one chunk');
  const byIndex = new Map<number, ChoiceParts>();
  let usage: Usage | undefined;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      let parts = byIndex.get(choice.index);
      if (!parts) {
        parts = {
          index: choice.index,
          content: null,
          refusal: undefined,
          tools: new Map(),
          finish: null,
          logprobs: false,
        };
        byIndex.set(choice.index, parts);
      }
      mergeChoice(parts, choice);
    }
  }
  const { object: _object, choices: _choices, usage: _usage, ...envelope } = first;
  const choices = [...byIndex.values()].sort((a, b) => a.index - b.index).map(toChoice);
  const completion: ChatCompletion = { ...envelope, object: 'chat.completion', choices };
  if (usage) completion.usage = usage;
  return completion;
}

function choiceChunks(choice: CompletionChoice): ChunkChoice[] {
  const { index, message } = choice;
  const open: ChunkChoice['delta'] = { role: 'assistant', content: message.content === null ? null : '' };
  if (message.refusal !== undefined) open.refusal = message.refusal === null ? null : '';
  const out: ChunkChoice[] = [{ index, delta: open, finish_reason: null }];
  if (message.content) out.push({ index, delta: { content: message.content }, finish_reason: null });
  if (message.refusal) out.push({ index, delta: { refusal: message.refusal }, finish_reason: null });
  (message.tool_calls ?? []).forEach((call, position) => {
    const fragment = { index: position, id: call.id, type: 'function' as const, function: { ...call.function } };
    out.push({ index, delta: { tool_calls: [fragment] }, finish_reason: null });
  });
  const finish: ChunkChoice = { index, delta: {}, finish_reason: choice.finish_reason };
  if ('logprobs' in choice) finish.logprobs = null;
  out.push(finish);
  return out;
}

/**
 * A stored completion as the chunks of a stream: per choice a role chunk, the content, the refusal, one chunk per
 * tool call, the finish chunk; then the usage chunk (empty choices) only when the client asked for usage.
 */
export function replay(completion: ChatCompletion, options: { includeUsage: boolean }): ChatChunk[] {
  const { object: _object, choices, usage, ...envelope } = completion;
  const chunks: ChatChunk[] = [];
  for (const choice of choices) {
    for (const part of choiceChunks(choice))
      chunks.push({ ...envelope, object: 'chat.completion.chunk', choices: [part] });
  }
  if (options.includeUsage && usage) chunks.push({ ...envelope, object: 'chat.completion.chunk', choices: [], usage });
  return chunks;
}
