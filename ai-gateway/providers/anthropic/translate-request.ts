import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, TextPart, ToolChoice } from '../../openai/types.js';
import type { UpstreamFailure } from '../provider.js';
import type {
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTool,
  AnthropicToolChoice,
  ImageBlock,
  RequestBlock,
} from './types.js';

/** Anthropic requires `max_tokens`; OpenAI clients usually leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object only, with no text before or after it.';

export interface TranslatedRequest {
  request: AnthropicRequest;
  /**
   * Set when `response_format: json_schema` became a forced tool of this name: Anthropic has no JSON mode, but a tool's
   * input is JSON that follows the tool's schema, so the response translators turn this tool's input into the
   * message content (and its `tool_use` stop into `stop`).
   */
  jsonTool?: string;
}

export type RequestTranslation = { ok: true; value: TranslatedRequest } | { ok: false; failure: UpstreamFailure };

class Invalid extends Error {}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * An OpenAI chat request as a Messages request (pure). System and developer messages, wherever they stand, become
 * `system`; tool results become user turns; consecutive same-role turns merge (Anthropic requires alternation).
 * Not sent: `seed`, `user`, `metadata`, penalties and logit bias (Anthropic has none of them). `n` > 1 is refused.
 */
export function toAnthropicRequest(req: ChatRequest): RequestTranslation {
  try {
    return { ok: true, value: translate(req) };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const failure: UpstreamFailure = {
      status: 400,
      type: 'invalid_request_error',
      code: 'unsupported_by_provider',
      message: `anthropic: ${err.message}`,
      retryable: false,
    };
    return { ok: false, failure };
  }
}

function translate(req: ChatRequest): TranslatedRequest {
  if (req.n !== undefined && req.n !== 1) throw new Invalid('n must be 1: the Messages API returns one choice');
  if (!Array.isArray(req.messages)) throw new Invalid('messages must be an array');
  const { system, messages } = translateMessages(req.messages);
  const format = req.response_format;
  if (format?.type === 'json_object') system.push(JSON_OBJECT_INSTRUCTION);
  const jsonTool = format?.type === 'json_schema' ? schemaTool(format.json_schema) : undefined;
  const request: AnthropicRequest = {
    model: req.model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) request.system = system.join('\n\n');
  Object.assign(request, toolFields(req, jsonTool), samplingFields(req));
  return jsonTool ? { request, jsonTool: jsonTool.name } : { request };
}

function samplingFields(req: ChatRequest): Partial<AnthropicRequest> {
  const out: Partial<AnthropicRequest> = {};
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop !== undefined && req.stop !== null) out.stop_sequences = [req.stop].flat();
  if (req.stream === true) out.stream = true;
  return out;
}

function translateMessages(input: ChatMessage[]): { system: string[]; messages: AnthropicMessageParam[] } {
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  for (const msg of input) {
    switch (msg.role) {
      case 'system':
      case 'developer':
        system.push(textOf(msg.content, msg.role));
        break;
      case 'user':
        append(messages, 'user', userBlocks(msg.content));
        break;
      case 'assistant':
        append(messages, 'assistant', assistantBlocks(msg));
        break;
      case 'tool':
        append(messages, 'user', [toolResult(msg)]);
        break;
      default:
        throw new Invalid(`unsupported message role ${JSON.stringify((msg as { role: unknown }).role)}`);
    }
  }
  return { system, messages };
}

/** Adds a turn, merging it into the previous one of the same role; in a user turn, tool results come first. */
function append(messages: AnthropicMessageParam[], role: 'user' | 'assistant', blocks: RequestBlock[]): void {
  if (blocks.length === 0) return;
  const last = messages.at(-1);
  if (last?.role !== role) {
    messages.push({ role, content: blocks });
    return;
  }
  const merged = [...last.content, ...blocks];
  last.content =
    role === 'user'
      ? [...merged.filter((b) => b.type === 'tool_result'), ...merged.filter((b) => b.type !== 'tool_result')]
      : merged;
}

function textOf(content: unknown, role: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new Invalid(`${role} message content must be a string or an array of parts`);
  return content
    .map((part: TextPart) => {
      if (part?.type !== 'text' || typeof part.text !== 'string')
        throw new Invalid(`${role} message content may hold text parts only`);
      return part.text;
    })
    .join('');
}

function userBlocks(content: string | ContentPart[]): RequestBlock[] {
  if (typeof content === 'string') return textBlocks(content);
  if (!Array.isArray(content)) throw new Invalid('user message content must be a string or an array of parts');
  return content.flatMap((part): RequestBlock[] => {
    if (part?.type === 'text' && typeof part.text === 'string') return textBlocks(part.text);
    if (part?.type === 'image_url' && typeof part.image_url?.url === 'string') return [imageBlock(part.image_url.url)];
    throw new Invalid('user message parts must be text or image_url');
  });
}

/** Anthropic rejects empty text blocks (OpenAI clients send `content: ""` beside tool calls). */
function textBlocks(text: string): RequestBlock[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

function imageBlock(url: string): ImageBlock {
  if (url.startsWith('data:')) {
    const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (!match) throw new Invalid('an image data URL must be base64 (data:<type>;base64,...)');
    const mediaType = match[1]!.toLowerCase();
    if (!IMAGE_TYPES.has(mediaType))
      throw new Invalid(`image type ${mediaType} is not one of ${[...IMAGE_TYPES].join(', ')}`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: match[2]! } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new Invalid('an image URL must be https:// or a base64 data: URL');
}

function assistantBlocks(msg: Extract<ChatMessage, { role: 'assistant' }>): RequestBlock[] {
  const blocks = msg.content === undefined || msg.content === null ? [] : textBlocks(textOf(msg.content, 'assistant'));
  if (msg.tool_calls !== undefined && !Array.isArray(msg.tool_calls)) throw new Invalid('tool_calls must be an array');
  for (const call of msg.tool_calls ?? []) {
    if (call?.type !== 'function' || typeof call.id !== 'string' || typeof call.function?.name !== 'string')
      throw new Invalid('a tool call needs an id and a function name');
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  }
  return blocks;
}

function toolInput(args: unknown): Record<string, unknown> {
  if (args === undefined || args === '') return {};
  if (typeof args !== 'string') throw new Invalid('tool call arguments must be a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new Invalid('tool call arguments are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Invalid('tool call arguments must be a JSON object');
  return parsed as Record<string, unknown>;
}

function toolResult(msg: Extract<ChatMessage, { role: 'tool' }>): RequestBlock {
  if (typeof msg.tool_call_id !== 'string') throw new Invalid('a tool message needs a tool_call_id');
  return { type: 'tool_result', tool_use_id: msg.tool_call_id, content: textOf(msg.content, 'tool') };
}

function schemaTool(spec: { name: string; schema?: Record<string, unknown> } | undefined): AnthropicTool {
  if (typeof spec?.name !== 'string' || !TOOL_NAME.test(spec.name))
    throw new Invalid('response_format.json_schema.name must match ^[a-zA-Z0-9_-]{1,64}$');
  const schema = spec.schema ?? { type: 'object' };
  if (schema.type !== 'object') throw new Invalid('a json_schema response_format must describe an object');
  return {
    name: spec.name,
    description: 'Give the answer by calling this tool: its input is the answer.',
    input_schema: schema,
  };
}

/**
 * Tools and tool_choice. With a json_schema format the answer tool is forced, unless the client's own tools may
 * still be called (tool_choice auto/required/absent: `any`, so the model calls one of them or answers) or a named
 * tool is chosen; `none` keeps the client's tools out and forces the answer tool.
 */
function toolFields(
  req: ChatRequest,
  jsonTool: AnthropicTool | undefined,
): { tools?: AnthropicTool[]; tool_choice?: AnthropicToolChoice } {
  if (req.tools !== undefined && !Array.isArray(req.tools)) throw new Invalid('tools must be an array');
  const own = (req.tools ?? []).map(toolOf);
  if (jsonTool && own.some((t) => t.name === jsonTool.name))
    throw new Invalid(`response_format.json_schema.name ${jsonTool.name} is also the name of a tool`);
  const parallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = req.tool_choice;
  if (jsonTool) {
    if (own.length === 0 || choice === 'none')
      return { tools: [jsonTool], tool_choice: { type: 'tool', name: jsonTool.name } };
    const forced = typeof choice === 'object' ? toolChoiceOf(choice, parallel) : { type: 'any' as const, ...parallel };
    return { tools: [...own, jsonTool], tool_choice: forced };
  }
  if (own.length === 0) return {};
  return choice === undefined
    ? { tools: own, ...auto(parallel) }
    : { tools: own, tool_choice: toolChoiceOf(choice, parallel) };
}

function auto(parallel: { disable_parallel_tool_use?: boolean }): { tool_choice?: AnthropicToolChoice } {
  return parallel.disable_parallel_tool_use ? { tool_choice: { type: 'auto', ...parallel } } : {};
}

function toolOf(tool: FunctionTool): AnthropicTool {
  if (tool?.type !== 'function' || typeof tool.function?.name !== 'string')
    throw new Invalid('only function tools with a name are supported');
  const out: AnthropicTool = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
  if (tool.function.description !== undefined) out.description = tool.function.description;
  return out;
}

function toolChoiceOf(choice: ToolChoice, parallel: { disable_parallel_tool_use?: boolean }): AnthropicToolChoice {
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  if (choice?.type === 'function' && typeof choice.function?.name === 'string')
    return { type: 'tool', name: choice.function.name, ...parallel };
  throw new Invalid('tool_choice must be none, auto, required or a named function');
}
