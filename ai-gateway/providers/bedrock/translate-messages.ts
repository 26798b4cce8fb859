import type { ChatMessage, ContentPart, TextPart, ToolCall } from '../../openai/types.js';
import type {
  ConverseContentBlock,
  ConverseImageFormat,
  ConverseMessage,
  JsonObject,
  JsonValue,
} from './converse-types.js';

/** A request Bedrock cannot take as sent: the client gets a 400 naming the problem (translate-request.ts). */
export class InvalidRequest extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

export interface TranslatedMessages {
  system: { text: string }[];
  messages: ConverseMessage[];
  /** Whether the conversation holds toolUse/toolResult blocks: Converse then requires a toolConfig. */
  hasToolBlocks: boolean;
}

/**
 * OpenAI messages to Converse: system and developer messages become system blocks (Converse has no system role in
 * the conversation); tool messages become user toolResult blocks; consecutive messages of one role are merged, since
 * Converse wants the roles to alternate (so parallel tool results land in one user message).
 */
export function translateMessages(messages: readonly ChatMessage[]): TranslatedMessages {
  const system: { text: string }[] = [];
  const out: ConverseMessage[] = [];
  let hasToolBlocks = false;
  for (const [i, m] of messages.entries()) {
    if (isInstruction(m)) {
      system.push(...textBlocks(m.content).filter((b) => b.text !== ''));
      continue;
    }
    const message = converseMessage(m, i);
    if (message.content.length === 0) continue;
    hasToolBlocks ||= message.content.some((b) => 'toolUse' in b || 'toolResult' in b);
    const last = out.at(-1);
    if (last?.role === message.role) last.content.push(...message.content);
    else out.push(message);
  }
  if (out.length === 0) throw new InvalidRequest('messages must hold at least one user message', 'invalid_messages');
  return { system, messages: out, hasToolBlocks };
}

type Instruction = Extract<ChatMessage, { role: 'system' | 'developer' }>;

function isInstruction(m: ChatMessage): m is Instruction {
  return m.role === 'system' || m.role === 'developer';
}

function converseMessage(m: Exclude<ChatMessage, Instruction>, i: number): ConverseMessage {
  switch (m.role) {
    case 'user':
      return { role: 'user', content: userBlocks(m.content, i) };
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...textBlocks(m.content ?? []).filter((b) => b.text !== ''),
          ...(m.tool_calls ?? []).map((c, j) => toolUse(c, `messages[${i}].tool_calls[${j}]`)),
        ],
      };
    case 'tool':
      return {
        role: 'user',
        content: [{ toolResult: { toolUseId: m.tool_call_id, content: [{ text: joinText(m.content) }] } }],
      };
  }
}

function textBlocks(content: string | TextPart[]): { text: string }[] {
  return typeof content === 'string' ? [{ text: content }] : content.map((p) => ({ text: p.text }));
}

function joinText(content: string | TextPart[]): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function userBlocks(content: string | ContentPart[], i: number): ConverseContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part, j) =>
    part.type === 'text' ? { text: part.text } : imageBlock(part.image_url.url, `messages[${i}].content[${j}]`),
  );
}

const IMAGE_FORMATS: Readonly<Record<string, ConverseImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DATA_URL = /^data:([^;,]+);base64,([A-Za-z0-9+/=\s]*)$/;

/** Only inline images: the gateway never fetches a URL a client names (it would be an open proxy into the VPC). */
function imageBlock(url: string, where: string): ConverseContentBlock {
  if (/^https?:/i.test(url)) {
    throw new InvalidRequest(
      `${where}: Bedrock takes inline images only; send the image as a data:image/<png|jpeg|gif|webp>;base64 URL (the gateway does not fetch image URLs)`,
      'unsupported_image_url',
    );
  }
  const m = DATA_URL.exec(url);
  const format = m ? IMAGE_FORMATS[m[1]!.toLowerCase()] : undefined;
  if (!m || !format) {
    throw new InvalidRequest(
      `${where}: an image must be a base64 data URL of image/png, image/jpeg, image/gif or image/webp`,
      'invalid_image',
    );
  }
  return { image: { format, source: { bytes: Buffer.from(m[2]!, 'base64') } } };
}

function toolUse(call: ToolCall, where: string): ConverseContentBlock {
  return {
    toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments, where) },
  };
}

/** Converse takes a tool call's input as a JSON object, where OpenAI has it as a string. */
function parseArguments(args: string, where: string): JsonObject {
  if (args.trim() === '') return {};
  let value: JsonValue;
  try {
    value = JSON.parse(args) as JsonValue;
  } catch {
    throw new InvalidRequest(`${where}.function.arguments is not valid JSON`, 'invalid_tool_arguments');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequest(`${where}.function.arguments must be a JSON object`, 'invalid_tool_arguments');
  }
  return value;
}
