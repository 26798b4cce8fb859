/**
 * OpenAI chat request -> Bedrock Converse input. Pure. What has no Converse equivalent:
 * - `n` > 1 is refused (Converse returns one choice); `seed` is ignored (Converse takes none);
 * - `response_format: json_schema` becomes a tool whose input schema is the schema, and the model is made to call it
 *   (forced, or with `any` when the client's own tools are offered too); translate-response returns that call's input
 *   as the message content, as OpenAI would return the JSON text. `json_object` becomes a system instruction;
 * - `tool_choice: none` omits the tools, unless the conversation already holds tool calls: Converse then requires
 *   the tool definitions, so they stay, offered without a choice;
 * - `temperature` and `top_p` pass as they are: a model with a narrower range answers 400 itself.
 */
import type { ChatRequest, FunctionTool, ResponseFormat, ToolChoice } from '../../openai/types.js';
import type { UpstreamFailure } from '../provider.js';
import type { ConverseInput, ConverseToolChoice, ConverseToolSpec, JsonValue } from './converse-types.js';
import { InvalidRequest, translateMessages } from './translate-messages.js';

export type TranslatedRequest =
  | {
      ok: true;
      input: ConverseInput;
      /** Set for `response_format: json_schema`: the tool whose call is the JSON answer. */
      jsonTool?: string;
    }
  | { ok: false; failure: UpstreamFailure };

export const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object and nothing else: no prose, no code fences.';

/** Bedrock's (and OpenAI's) tool name alphabet. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function translateRequest(request: ChatRequest): TranslatedRequest {
  try {
    return { ok: true, ...buildInput(request) };
  } catch (err) {
    if (err instanceof InvalidRequest) {
      return {
        ok: false,
        failure: { status: 400, type: 'invalid_request_error', code: err.code, message: err.message, retryable: false },
      };
    }
    throw err;
  }
}

function buildInput(request: ChatRequest): { input: ConverseInput; jsonTool?: string } {
  if (request.n !== undefined && request.n !== 1) {
    throw new InvalidRequest('n must be 1: Bedrock returns one choice per request', 'unsupported_n');
  }
  const { system, messages, hasToolBlocks } = translateMessages(request.messages);
  const format = request.response_format;
  if (format?.type === 'json_object') system.push({ text: JSON_OBJECT_INSTRUCTION });
  const input: ConverseInput = { modelId: request.model, messages };
  if (system.length > 0) input.system = system;
  const inference = inferenceConfig(request);
  if (inference) input.inferenceConfig = inference;
  const tools = toolConfig(request.tools ?? [], request.tool_choice, hasToolBlocks, format);
  if (tools.config) input.toolConfig = tools.config;
  return tools.jsonTool === undefined ? { input } : { input, jsonTool: tools.jsonTool };
}

function inferenceConfig(r: ChatRequest): ConverseInput['inferenceConfig'] {
  const config: NonNullable<ConverseInput['inferenceConfig']> = {};
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (r.temperature !== undefined) config.temperature = r.temperature;
  if (r.top_p !== undefined) config.topP = r.top_p;
  const stop = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (stop !== undefined && stop.length > 0) config.stopSequences = stop;
  return Object.keys(config).length > 0 ? config : undefined;
}

interface ToolSetup {
  config?: NonNullable<ConverseInput['toolConfig']>;
  jsonTool?: string;
}

function toolConfig(
  tools: readonly FunctionTool[],
  choice: ToolChoice | undefined,
  hasToolBlocks: boolean,
  format: ResponseFormat | undefined,
): ToolSetup {
  const specs = tools.map((t, i) => toolSpec(t, i));
  if (choice === 'none') {
    // No choice "none" in Converse: without tools offered the model cannot call one. The JSON answer's tool is
    // forced, so the client's tools (kept for a conversation that holds calls) stay uncalled.
    const kept = hasToolBlocks ? specs : [];
    if (format?.type === 'json_schema') return jsonSchemaTools(kept, format, true);
    return kept.length > 0 ? { config: { tools: kept } } : {};
  }
  if (format?.type === 'json_schema' && (specs.length === 0 || choice === undefined || choice === 'auto')) {
    return jsonSchemaTools(specs, format);
  }
  if (specs.length === 0) return {};
  const toolChoice = converseToolChoice(choice, specs);
  return { config: toolChoice ? { tools: specs, toolChoice } : { tools: specs } };
}

function toolSpec(tool: FunctionTool, i: number): ConverseToolSpec {
  const { name, description, parameters } = tool.function;
  if (!TOOL_NAME.test(name)) {
    throw new InvalidRequest(`tools[${i}].function.name must match ${TOOL_NAME.source}`, 'invalid_tool_name');
  }
  const json = (parameters ?? { type: 'object', properties: {} }) as JsonValue;
  return { toolSpec: { name, ...(description ? { description } : {}), inputSchema: { json } } };
}

function converseToolChoice(
  choice: Exclude<ToolChoice, 'none'> | undefined,
  specs: ConverseToolSpec[],
): ConverseToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  const name = choice.function.name;
  if (!specs.some((s) => s.toolSpec.name === name)) {
    throw new InvalidRequest(`tool_choice names "${name}", which is not in tools`, 'invalid_tool_choice');
  }
  return { tool: { name } };
}

/** The schema as a tool the model must call (alone, or `forced`: that tool; beside the client's tools: `any`). */
function jsonSchemaTools(
  specs: ConverseToolSpec[],
  format: Extract<ResponseFormat, { type: 'json_schema' }>,
  forced = specs.length === 0,
): ToolSetup {
  const name = format.json_schema.name;
  if (!TOOL_NAME.test(name)) {
    throw new InvalidRequest(`response_format.json_schema.name must match ${TOOL_NAME.source}`, 'invalid_json_schema');
  }
  if (specs.some((s) => s.toolSpec.name === name)) {
    throw new InvalidRequest(
      `response_format.json_schema.name "${name}" is also the name of a tool: rename one`,
      'invalid_json_schema',
    );
  }
  const json = (format.json_schema.schema ?? { type: 'object' }) as JsonValue;
  const jsonSpec: ConverseToolSpec = {
    toolSpec: { name, description: `Give the answer as JSON matching the "${name}" schema.`, inputSchema: { json } },
  };
  const toolChoice: ConverseToolChoice = forced ? { tool: { name } } : { any: {} };
  return { config: { tools: [...specs, jsonSpec], toolChoice }, jsonTool: name };
}
