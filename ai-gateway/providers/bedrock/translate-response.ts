/**
 * Bedrock Converse replies -> OpenAI chat completions and chunks. Pure. A call of the `response_format: json_schema`
 * tool (translate-request.ts) is the answer itself: its input becomes the message content, finishing with `stop`.
 */
import type { ChatChunk, ChatCompletion, FinishReason, ToolCall, Usage } from '../../openai/types.js';
import { MidStreamError } from '../provider.js';
import type { ConverseOutput, ConverseReplyBlock, ConverseStreamEvent, ConverseUsage } from './converse-types.js';

/** What the reply does not say: the completion's id and creation time, the model, and the JSON tool if any. */
export interface ReplyMeta {
  id: string;
  created: number;
  model: string;
  jsonTool?: string;
}

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

function finishReason(stopReason: string | undefined, calledJsonTool: boolean): FinishReason {
  const reason = FINISH_REASONS[stopReason ?? ''] ?? 'stop';
  return reason === 'tool_calls' && calledJsonTool ? 'stop' : reason;
}

/** Prompt tokens count cache reads and writes too, as OpenAI's do; the reads are also `cached_tokens`. */
export function translateUsage(u: ConverseUsage | undefined): Usage {
  const cached = u?.cacheReadInputTokens ?? 0;
  const prompt = (u?.inputTokens ?? 0) + cached + (u?.cacheWriteInputTokens ?? 0);
  const completion = u?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

export function translateResponse(out: ConverseOutput, meta: ReplyMeta): ChatCompletion {
  const { text, toolCalls, jsonAnswer } = readBlocks(out.output?.message?.content ?? [], meta.jsonTool);
  const content = jsonAnswer ?? (text === '' && toolCalls.length > 0 ? null : text);
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason(out.stopReason, jsonAnswer !== undefined),
        logprobs: null,
      },
    ],
    usage: translateUsage(out.usage),
  };
}

function readBlocks(
  blocks: readonly ConverseReplyBlock[],
  jsonTool: string | undefined,
): { text: string; toolCalls: ToolCall[]; jsonAnswer?: string } {
  let text = '';
  let jsonAnswer: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const block of blocks) {
    if (block.text !== undefined) text += block.text;
    const use = block.toolUse;
    if (!use) continue;
    const args = JSON.stringify(use.input ?? {});
    if (jsonTool !== undefined && use.name === jsonTool) jsonAnswer = args;
    else
      toolCalls.push({
        id: use.toolUseId ?? '',
        type: 'function',
        function: { name: use.name ?? '', arguments: args },
      });
  }
  return { text, toolCalls, ...(jsonAnswer === undefined ? {} : { jsonAnswer }) };
}

const STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'serviceUnavailableException',
  'throttlingException',
  'validationException',
] as const;

type Delta = ChatChunk['choices'][number]['delta'];

/**
 * ConverseStream events -> OpenAI chunks, event by event: messageStart gives the role, text and toolUse deltas give
 * content and tool_calls (numbered in order of appearance, as OpenAI does), messageStop the finish reason, and the
 * metadata event the usage chunk (empty choices), which Bedrock sends last. An exception event throws
 * MidStreamError: the stream has started, so the failure can only end it.
 */
export class StreamTranslator {
  /** contentBlockIndex -> OpenAI tool call index, or 'json' for the JSON answer's tool. */
  private readonly blocks = new Map<number, number | 'json'>();
  private toolCalls = 0;
  private calledJsonTool = false;

  constructor(private readonly meta: ReplyMeta) {}

  translate(event: ConverseStreamEvent): ChatChunk[] {
    for (const name of STREAM_EXCEPTIONS) {
      const exception = event[name];
      if (exception) throw new MidStreamError(`Bedrock ended the stream: ${name} ${exception.message ?? ''}`.trim());
    }
    if (event.messageStart) return [this.chunk({ role: 'assistant', content: '' })];
    if (event.contentBlockStart) return this.blockStart(event.contentBlockStart);
    if (event.contentBlockDelta) return this.blockDelta(event.contentBlockDelta);
    if (event.messageStop) return [this.chunk({}, finishReason(event.messageStop.stopReason, this.calledJsonTool))];
    if (event.metadata) return [{ ...this.chunk({}), choices: [], usage: translateUsage(event.metadata.usage) }];
    return [];
  }

  private blockStart(e: NonNullable<ConverseStreamEvent['contentBlockStart']>): ChatChunk[] {
    const use = e.start?.toolUse;
    if (!use) return [];
    if (this.meta.jsonTool !== undefined && use.name === this.meta.jsonTool) {
      this.blocks.set(e.contentBlockIndex ?? 0, 'json');
      this.calledJsonTool = true;
      return [];
    }
    const index = this.toolCalls++;
    this.blocks.set(e.contentBlockIndex ?? 0, index);
    return [
      this.chunk({
        tool_calls: [
          { index, id: use.toolUseId ?? '', type: 'function', function: { name: use.name ?? '', arguments: '' } },
        ],
      }),
    ];
  }

  private blockDelta(e: NonNullable<ConverseStreamEvent['contentBlockDelta']>): ChatChunk[] {
    const delta = e.delta;
    if (delta?.text !== undefined) return delta.text === '' ? [] : [this.chunk({ content: delta.text })];
    const input = delta?.toolUse?.input;
    if (input === undefined || input === '') return [];
    const block = this.blocks.get(e.contentBlockIndex ?? 0);
    if (block === 'json') return [this.chunk({ content: input })];
    if (block === undefined) return [];
    return [this.chunk({ tool_calls: [{ index: block, function: { arguments: input } }] })];
  }

  private chunk(delta: Delta, finish: FinishReason | null = null): ChatChunk {
    return {
      id: this.meta.id,
      object: 'chat.completion.chunk',
      created: this.meta.created,
      model: this.meta.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }
}
