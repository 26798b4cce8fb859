/**
 * The part of the Bedrock Converse wire shapes the translators read and write. The translators are pure and may not
 * import the SDK (lint), so these mirror @aws-sdk/client-bedrock-runtime's types: what translate-request builds is
 * assignable to ConverseCommandInput, and the SDK's ConverseResponse and stream events are assignable to what
 * translate-response reads (provider.ts hands one to the other, so tsc checks the fit).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type ConverseImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type ConverseContentBlock =
  | { text: string }
  | { image: { format: ConverseImageFormat; source: { bytes: Uint8Array } } }
  | { toolUse: { toolUseId: string; name: string; input: JsonValue } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } };

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export type ConverseToolChoice = { auto: object } | { any: object } | { tool: { name: string } };

export interface ConverseToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonValue } };
}

export interface ConverseInput {
  modelId: string;
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ConverseToolSpec[]; toolChoice?: ConverseToolChoice };
}

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** A content block of a reply: text and toolUse are read, other kinds (reasoning, citations, ...) are skipped. */
export interface ConverseReplyBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
}

export interface ConverseOutput {
  output?: { message?: { content?: ConverseReplyBlock[] } };
  stopReason?: string;
  usage?: ConverseUsage;
}

/** One event of the ConverseStream union, as the SDK yields it (one member set). */
export interface ConverseStreamEvent {
  messageStart?: { role?: string };
  contentBlockStart?: { contentBlockIndex?: number; start?: { toolUse?: { toolUseId?: string; name?: string } } };
  contentBlockDelta?: { contentBlockIndex?: number; delta?: { text?: string; toolUse?: { input?: string } } };
  contentBlockStop?: { contentBlockIndex?: number };
  messageStop?: { stopReason?: string };
  metadata?: { usage?: ConverseUsage };
  internalServerException?: { message?: string };
  modelStreamErrorException?: { message?: string };
  serviceUnavailableException?: { message?: string };
  throttlingException?: { message?: string };
  validationException?: { message?: string };
}
