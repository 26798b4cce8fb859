import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../openai/types.js';
import type { AnthropicResponse, AnthropicUsage, ResponseBlock, ToolUseBlock } from './types.js';

export interface ResponseOptions {
  /** Seconds since the epoch: the completion's `created`. */
  created: number;
  /** The forced answer tool of a json_schema request (see translate-request.ts): its input is the content. */
  jsonTool?: string;
}

/**
 * A Messages response as a chat completion (pure): text blocks joined, tool_use blocks as tool calls, other blocks
 * (thinking, server tools) skipped. With a json_schema answer tool, the tool's input is the content and any text
 * around it is dropped, so the content parses as JSON.
 */
export function toChatCompletion(msg: AnthropicResponse, opts: ResponseOptions): ChatCompletion {
  const blocks = Array.isArray(msg.content) ? msg.content : [];
  const answer = blocks.find((b): b is ToolUseBlock => isToolUse(b) && b.name === opts.jsonTool);
  const toolCalls = blocks
    .filter((b): b is ToolUseBlock => isToolUse(b) && b.name !== opts.jsonTool)
    .map((b): ToolCall => ({
      id: b.id,
      type: 'function',
      function: { name: b.name, arguments: JSON.stringify(b.input) },
    }));
  const text = answer ? JSON.stringify(answer.input) : blocks.map((b) => (isText(b) ? b.text : '')).join('');
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: msg.id,
    object: 'chat.completion',
    created: opts.created,
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finishReason(msg.stop_reason, toolCalls.length > 0) }],
    usage: toUsage(msg.usage),
  };
}

/**
 * Anthropic's stop reason as OpenAI's finish reason. `tool_use` is `tool_calls` only when a client tool was called
 * (the json_schema answer tool is a plain stop); `pause_turn` (a server tool's pause) and unknown reasons are `stop`.
 */
export function finishReason(stop: string | null | undefined, calledTools: boolean): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return calledTools ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Every input token counts as prompt, cached or not: prompt = input + cache read + cache creation. */
export function toUsage(u: Partial<AnthropicUsage> | undefined): Usage {
  const cached = count(u?.cache_read_input_tokens);
  const prompt = count(u?.input_tokens) + cached + count(u?.cache_creation_input_tokens);
  const completion = count(u?.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

function count(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

function isText(b: ResponseBlock): b is { type: 'text'; text: string } {
  return b?.type === 'text' && typeof (b as { text?: unknown }).text === 'string';
}

function isToolUse(b: ResponseBlock): b is ToolUseBlock {
  return b?.type === 'tool_use';
}
