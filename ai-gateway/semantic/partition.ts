import { cacheable, canonicalJson, KEY_IGNORED_FIELDS, sha256Hex } from '../cache/canonical.js';
import type { ChatRequest } from '../openai/types.js';

/**
 * Where a request may find a semantic hit. `partition` is everything that must match exactly: the resolved model,
 * the key scope, the system and developer messages, the tools and every other parameter that changes the output
 * (all request fields but `messages` and canonical.ts's KEY_IGNORED_FIELDS, so an unknown parameter splits
 * partitions rather than sharing an answer), and the shape of the conversation (roles, names, turn count). `text`
 * is the rest, the conversation's words, as lines `role: text`: what gets embedded and compared by similarity.
 */
export type SemanticKey = { partition: string; text: string } | { refused: string };

export interface SemanticKeyOptions {
  /**
   * Longer conversations are refused. An embedding model reads a window of some hundred tokens and cuts the rest, so
   * two conversations that differ only past it would embed alike and share an answer; and the longer the text, the
   * less a differing question moves the similarity. 2,048 characters is ≈ 500 tokens, the window of the small models.
   */
  maxTextChars?: number;
}

export const DEFAULT_MAX_TEXT_CHARS = 2048;

/** Bumped when the partition's inputs change shape, so entries stored under an old meaning are never matched. */
const PARTITION_VERSION = 1;
const IGNORED = new Set([...KEY_IGNORED_FIELDS, 'messages']);
const INSTRUCTION_ROLES = new Set(['system', 'developer']);
const CONVERSATION_ROLES = new Set(['user', 'assistant']);

type Message = Record<string, unknown>;

export function semanticKey(
  request: ChatRequest,
  resolvedModel: string,
  scope: string,
  options: SemanticKeyOptions = {},
): SemanticKey {
  const decision = cacheable(request);
  if (!decision.cacheable) return { refused: decision.reason };
  if (!Array.isArray(request.messages)) return { refused: 'the request has no messages' };
  const instructions: unknown[] = [];
  const turns: unknown[] = [];
  const lines: string[] = [];
  let words = '';
  for (const [position, message] of (request.messages as unknown[]).entries()) {
    const refused = refusal(message);
    if (refused !== undefined) return { refused };
    const { role, content } = message as Message;
    const text = contentText(content);
    if (text === undefined) return { refused: 'a message has non-text content (image, audio or file)' };
    if (INSTRUCTION_ROLES.has(role as string)) {
      instructions.push({ position, message });
      continue;
    }
    turns.push(turnShape(message as Message));
    lines.push(`${role as string}: ${text}`);
    words += text;
  }
  if (words.trim() === '') return { refused: 'the conversation has no text' };
  const text = lines.join('\n');
  if (text.length > (options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS)) {
    return { refused: 'the conversation is too long to be told apart by similarity' };
  }
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) if (!IGNORED.has(field)) params[field] = value;
  const partition = sha256Hex(
    canonicalJson({ semantic: PARTITION_VERSION, scope, model: resolvedModel, params, instructions, turns }),
  );
  return { partition, text };
}

/** Why a message keeps the request out of the semantic cache, if it does. */
function refusal(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object') return 'a message is not an object';
  const { role, tool_calls: toolCalls, function_call: functionCall } = message as Message;
  if (role === 'tool' || role === 'function') return 'the conversation holds tool results (the answer depends on them)';
  if ((Array.isArray(toolCalls) && toolCalls.length > 0) || (functionCall !== undefined && functionCall !== null)) {
    return 'the conversation holds tool calls';
  }
  if (!INSTRUCTION_ROLES.has(role as string) && !CONVERSATION_ROLES.has(role as string)) {
    return 'a message has an unknown role';
  }
  return undefined;
}

/** A message's text: a string, text parts joined by line breaks, '' for none; undefined when a part is not text. */
function contentText(content: unknown): string | undefined {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (type !== 'text' || typeof text !== 'string') return undefined;
    texts.push(text);
  }
  return texts.join('\n');
}

/**
 * A conversation message without its words: role, name and any other field. Null fields are left out: SDKs echo an
 * assistant message back with `refusal: null` or `audio: null`, which says nothing the answer depends on.
 */
function turnShape(message: Message): Message {
  const shape: Message = {};
  for (const [field, value] of Object.entries(message)) if (field !== 'content' && value !== null) shape[field] = value;
  return shape;
}
