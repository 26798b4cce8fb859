import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ChatRequest, EmbeddingsRequest } from '../openai/types.js';

const text = { type: 'string' };

/**
 * The fields the gateway reads, typed as OpenAI documents them; unknown fields pass through to OpenAI-type
 * providers. Wrong types are the client's 400, before any upstream call.
 */
const chatSchema = {
  type: 'object',
  required: ['model', 'messages'],
  $defs: {
    textPart: { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text } },
    part: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['text', 'image_url', 'input_audio', 'file'] },
        text,
        image_url: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string', maxLength: 20_000_000 }, detail: { enum: ['auto', 'low', 'high'] } },
        },
      },
    },
    toolCall: {
      type: 'object',
      required: ['id', 'type', 'function'],
      properties: {
        id: text,
        type: { const: 'function' },
        function: { type: 'object', required: ['name', 'arguments'], properties: { name: text, arguments: text } },
      },
    },
  },
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 100_000,
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: { anyOf: [text, { type: 'array', items: { $ref: '#/$defs/part' } }, { type: 'null' }] },
          name: text,
          tool_call_id: text,
          tool_calls: { type: 'array', items: { $ref: '#/$defs/toolCall' } },
        },
      },
    },
    stream: { type: 'boolean' },
    stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
    tools: {
      type: 'array',
      maxItems: 512,
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
              description: text,
              parameters: { type: 'object' },
            },
          },
        },
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: { function: { type: 'object', required: ['name'], properties: { name: text } } },
        },
      ],
    },
    response_format: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['text', 'json_object', 'json_schema'] } },
    },
    n: { type: 'integer', minimum: 1, maximum: 128 },
    stop: { anyOf: [text, { type: 'array', items: text, maxItems: 4 }, { type: 'null' }] },
    seed: { type: ['integer', 'null'] },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    max_tokens: { type: ['integer', 'null'], minimum: 1 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1 },
    user: text,
    metadata: { type: ['object', 'null'], additionalProperties: text },
  },
} as const;

const embeddingsSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    input: {
      anyOf: [
        text,
        { type: 'array', minItems: 1, maxItems: 2048, items: text },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', items: { type: 'integer' } } },
      ],
    },
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
    user: text,
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: false });
const chat: ValidateFunction<ChatRequest> = ajv.compile<ChatRequest>(chatSchema);
const embeddings: ValidateFunction<EmbeddingsRequest> = ajv.compile<EmbeddingsRequest>(embeddingsSchema);

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string; param?: string };

export function checkChatRequest(body: unknown): Checked<ChatRequest> {
  return chat(body) ? { ok: true, value: body } : problem(chat.errors);
}

export function checkEmbeddingsRequest(body: unknown): Checked<EmbeddingsRequest> {
  return embeddings(body) ? { ok: true, value: body } : problem(embeddings.errors);
}

/** The first schema error as OpenAI words it: the parameter's path and what is wrong with it. */
function problem(errors: ErrorObject[] | null | undefined): { ok: false; message: string; param?: string } {
  const e = errors?.[0];
  if (!e) return { ok: false, message: 'invalid request body' };
  const param = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : undefined;
  if (missing)
    return {
      ok: false,
      message: `Missing required parameter: '${param ? `${param}.` : ''}${missing}'.`,
      param: missing,
    };
  return {
    ok: false,
    message: `Invalid value for '${param || 'body'}': ${e.message ?? 'invalid'}.`,
    ...(param ? { param } : {}),
  };
}
