import type { Attributes } from '@opentelemetry/api';
import { ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS } from '@opentelemetry/semantic-conventions/incubating';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { RunEvent, RunType } from '../../schema/run.js';
import { toJsonValue } from '../attribute-values.js';
import { AttributeReader } from './attribute-reader.js';
import { parseJsonTolerant } from '../llm/json.js';
import { chatMessage, type ChatChoice } from '../llm/messages.js';
import { usageMetadata } from '../llm/usage.js';
import { withCosts } from './costs.js';
import { hrTimeToMicros, microsToIso } from '../time.js';
import { asRecord, finishReason, lsProvider, nonEmptyString } from './genai-common.js';
import type { Convention, ConventionResult, SpanView } from './types.js';
import { outerPromptMessages, sdkMessages, sdkToolCalls, sdkTools } from './vercel-ai-messages.js';

// Vercel AI SDK telemetry (`ai.*`, v3 to v7 with its legacy OpenTelemetry integration). v7's
// GenAI-semconv spans (@ai-sdk/otel `OpenTelemetry`) carry no `ai.operationId` and are read by the
// GenAI convention, all but one thing: their embedding spans (`gen_ai.operation.name` embeddings)
// keep the texts in the SDK's own `ai.values` / `ai.value` (and the vectors in `ai.embeddings` /
// `ai.embedding`) when the integration's `embedding` attributes are on (@ai-sdk/otel 1.x dist,
// `onEmbedOperationStart` / `onEmbedStart`): read here, the texts become the run's inputs as v6's do.

export const AI_OPERATION_ID = 'ai.operationId';
export const OPERATION_NAME = 'operation.name';
export const AI_FUNCTION_ID = 'ai.telemetry.functionId';
export const AI_MODEL_ID = 'ai.model.id';
export const AI_MODEL_PROVIDER = 'ai.model.provider';
export const AI_PROMPT = 'ai.prompt';
export const AI_PROMPT_MESSAGES = 'ai.prompt.messages';
export const AI_PROMPT_TOOLS = 'ai.prompt.tools';
export const AI_PROMPT_TOOL_CHOICE = 'ai.prompt.toolChoice';
export const AI_RESPONSE_TEXT = 'ai.response.text';
export const AI_RESPONSE_TOOL_CALLS = 'ai.response.toolCalls';
export const AI_RESPONSE_OBJECT = 'ai.response.object';
export const AI_RESPONSE_FINISH_REASON = 'ai.response.finishReason';
export const AI_RESPONSE_MODEL = 'ai.response.model';
export const AI_RESPONSE_MS_TO_FIRST_CHUNK = 'ai.response.msToFirstChunk';
// Before v4 results were `ai.result.*`, the finish reason `ai.finishReason`, the first-chunk delay `ai.stream.*`.
export const AI_RESULT_TEXT = 'ai.result.text';
export const AI_RESULT_TOOL_CALLS = 'ai.result.toolCalls';
export const AI_RESULT_OBJECT = 'ai.result.object';
export const AI_FINISH_REASON = 'ai.finishReason';
export const AI_STREAM_MS_TO_FIRST_CHUNK = 'ai.stream.msToFirstChunk';
export const AI_USAGE_PREFIX = 'ai.usage.';
export const AI_USAGE_PROMPT_TOKENS = 'ai.usage.promptTokens';
export const AI_USAGE_COMPLETION_TOKENS = 'ai.usage.completionTokens';
export const AI_USAGE_INPUT_TOKENS = 'ai.usage.inputTokens';
export const AI_USAGE_OUTPUT_TOKENS = 'ai.usage.outputTokens';
export const AI_USAGE_TOTAL_TOKENS = 'ai.usage.totalTokens';
export const AI_USAGE_REASONING_TOKENS = 'ai.usage.reasoningTokens';
export const AI_USAGE_CACHED_INPUT_TOKENS = 'ai.usage.cachedInputTokens';
export const AI_USAGE_CACHE_READ_TOKENS = 'ai.usage.inputTokenDetails.cacheReadTokens';
export const AI_USAGE_CACHE_WRITE_TOKENS = 'ai.usage.inputTokenDetails.cacheWriteTokens';
export const AI_USAGE_OUTPUT_REASONING_TOKENS = 'ai.usage.outputTokenDetails.reasoningTokens';
export const AI_USAGE_TOKENS = 'ai.usage.tokens';
export const AI_SETTINGS_PREFIX = 'ai.settings.';
export const AI_SETTINGS_CONTEXT_PREFIX = 'ai.settings.context.';
export const AI_TELEMETRY_METADATA_PREFIX = 'ai.telemetry.metadata.';
export const AI_REQUEST_HEADERS_PREFIX = 'ai.request.headers.';
export const AI_TOOL_CALL_NAME = 'ai.toolCall.name';
export const AI_TOOL_CALL_ARGS = 'ai.toolCall.args';
export const AI_TOOL_CALL_INPUT = 'ai.toolCall.input';
export const AI_TOOL_CALL_RESULT = 'ai.toolCall.result';
export const AI_TOOL_CALL_OUTPUT = 'ai.toolCall.output';
export const AI_VALUE = 'ai.value';
export const AI_VALUES = 'ai.values';
export const AI_EMBEDDING = 'ai.embedding';
export const AI_EMBEDDINGS = 'ai.embeddings';
export const AI_STREAM_FIRST_CHUNK_EVENT = 'ai.stream.firstChunk';
/** Metadata key listing the request header names (never their values, which may be credentials). */
export const META_REQUEST_HEADER_NAMES = 'ai.request.headers';

/** The outer calls an application makes; each wraps model calls, tool calls or embedding calls. */
const WRAPPER_OPERATIONS: ReadonlySet<string> = new Set([
  'ai.generateText',
  'ai.streamText',
  'ai.generateObject',
  'ai.streamObject',
  'ai.embed',
  'ai.embedMany',
]);

type Kind = 'llm' | 'embedding' | 'tool' | 'wrapper';

/** `ai.operationId`, or the first word of `operation.name` (`ai.generateText my-function`). */
function operationIdOf(attributes: Attributes): string | undefined {
  const id = nonEmptyString(attributes[AI_OPERATION_ID]) ?? nonEmptyString(attributes[OPERATION_NAME])?.split(' ')[0];
  return id?.startsWith('ai.') ? id : undefined;
}

function kindOf(operationId: string): Kind | undefined {
  if (operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream')) return 'llm';
  if (operationId.endsWith('.doEmbed')) return 'embedding';
  if (operationId === 'ai.toolCall') return 'tool';
  return WRAPPER_OPERATIONS.has(operationId) ? 'wrapper' : undefined;
}

const RUN_TYPES: Readonly<Record<Kind, RunType>> = { llm: 'llm', embedding: 'embedding', tool: 'tool', wrapper: 'chain' };

/** The shared reader, plus which kind of AI SDK span this is. */
class Reader extends AttributeReader {
  constructor(
    attributes: Attributes,
    readonly kind: Kind | undefined,
  ) {
    super(attributes);
  }
}

/** An @ai-sdk/otel GenAI-semconv embedding span: its texts and vectors under the SDK's own names. */
function readGenAiEmbedding(attributes: Attributes): ConventionResult | undefined {
  if (attributes[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS) return undefined;
  const reader = new Reader(attributes, 'embedding');
  readEmbedding(reader);
  if (!reader.consumed.length) return undefined;
  reader.result.consumed = reader.consumed;
  return reader.result;
}

export const vercelAiConvention: Convention = {
  id: 'vercel-ai',
  keyStarts: [AI_OPERATION_ID, OPERATION_NAME, AI_VALUE, AI_EMBEDDING],
  read(span: SpanView): ConventionResult | undefined {
    const operationId = operationIdOf(span.attributes);
    if (!operationId) return readGenAiEmbedding(span.attributes);
    const kind = kindOf(operationId);
    const reader = new Reader(span.attributes, kind);
    if (kind) reader.result.runType = RUN_TYPES[kind];

    readName(reader);
    readModel(reader);
    readSettings(reader);
    readMetadata(reader);
    readUsage(reader);
    if (kind === 'tool') readToolCall(reader);
    else if (kind === 'embedding' || operationId.startsWith('ai.embed')) readEmbedding(reader);
    else readGeneration(reader);
    readFirstChunk(reader, span.events);

    reader.result.consumed = reader.consumed;
    return reader.result;
  },
};

/** Tool runs are named after the tool; wrappers after the application's `functionId`. */
function readName(reader: Reader): void {
  const { attributes, kind } = reader;
  const name = kind === 'tool' ? nonEmptyString(attributes[AI_TOOL_CALL_NAME]) : kind === 'wrapper' ? nonEmptyString(attributes[AI_FUNCTION_ID]) : undefined;
  if (name) reader.result.name = name.trim();
  if (kind === 'tool' && name) reader.consumed.push(AI_TOOL_CALL_NAME);
}

function readModel(reader: Reader): void {
  const { attributes } = reader;
  reader.model({
    provider: lsProvider(attributes[AI_MODEL_PROVIDER]),
    name: nonEmptyString(attributes[AI_RESPONSE_MODEL]) ?? nonEmptyString(attributes[AI_MODEL_ID]),
    type: reader.kind === 'llm' ? 'chat' : undefined,
  });
}

/** `ai.settings.*` (except v7's `ai.settings.context.*`, which is metadata) are the call parameters. */
function readSettings(reader: Reader): void {
  const params: Record<string, unknown> = {};
  for (const [key, name] of reader.prefixed(AI_SETTINGS_PREFIX)) {
    if (key.startsWith(AI_SETTINGS_CONTEXT_PREFIX)) continue;
    params[name] = toJsonValue(reader.attributes[key]);
    reader.consumed.push(key);
  }
  if (!Object.keys(params).length) return;
  reader.result.invocationParams = params;
}

/**
 * The application's metadata (`ai.telemetry.metadata.*` up to v6, `ai.settings.context.*` in v7)
 * under its own keys, so `session_id` / `thread_id` / `conversation_id` group LangSmith threads.
 * Request headers may carry credentials: only their names are kept.
 */
function readMetadata(reader: Reader): void {
  for (const prefix of [AI_TELEMETRY_METADATA_PREFIX, AI_SETTINGS_CONTEXT_PREFIX]) {
    for (const [key, name] of reader.prefixed(prefix)) {
      reader.metadata(name, toJsonValue(reader.attributes[key]));
      reader.consumed.push(key);
    }
  }
  const headerNames: string[] = [];
  for (const [key, name] of reader.prefixed(AI_REQUEST_HEADERS_PREFIX)) {
    headerNames.push(name);
    reader.consumed.push(key);
  }
  if (headerNames.length) reader.metadata(META_REQUEST_HEADER_NAMES, headerNames);
}

/** Token counts across versions; `inputTokens` includes cached tokens (v5+), as LangSmith's does. */
function readUsage(reader: Reader): void {
  const { attributes } = reader;
  const usage = usageMetadata({
    input: attributes[AI_USAGE_INPUT_TOKENS] ?? attributes[AI_USAGE_PROMPT_TOKENS] ?? attributes[AI_USAGE_TOKENS],
    output: attributes[AI_USAGE_OUTPUT_TOKENS] ?? attributes[AI_USAGE_COMPLETION_TOKENS],
    total: attributes[AI_USAGE_TOTAL_TOKENS],
    cacheRead: attributes[AI_USAGE_CACHE_READ_TOKENS] ?? attributes[AI_USAGE_CACHED_INPUT_TOKENS],
    cacheCreation: attributes[AI_USAGE_CACHE_WRITE_TOKENS],
    reasoning: attributes[AI_USAGE_OUTPUT_REASONING_TOKENS] ?? attributes[AI_USAGE_REASONING_TOKENS],
  });
  if (!usage) return;
  // A cost computed beside the AI SDK (costs.ts) travels with its token counts.
  const costKeys: string[] = [];
  reader.result.usage = withCosts(reader, usage, costKeys);
  // Usage only reaches llm runs (wrappers repeat their children's); embedding runs keep the raw count in metadata.
  if (reader.kind === 'embedding') return;
  for (const [key] of reader.prefixed(AI_USAGE_PREFIX)) reader.consumed.push(key);
  reader.consumed.push(...costKeys);
}

/** Tool runs: parsed arguments in, result out (`args`/`result` before v7, `input`/`output` after). */
function readToolCall(reader: Reader): void {
  const inputs = asRecord(reader.first(AI_TOOL_CALL_INPUT, AI_TOOL_CALL_ARGS), 'input');
  if (inputs) reader.result.inputs = inputs;
  const outputs = asRecord(reader.first(AI_TOOL_CALL_OUTPUT, AI_TOOL_CALL_RESULT), 'output');
  if (outputs) reader.result.outputs = outputs;
}

/** Embedding inputs are the texts (each a JSON string); the vectors are dropped, never copied anywhere. */
function readEmbedding(reader: Reader): void {
  const values = reader.first(AI_VALUES);
  const value = reader.first(AI_VALUE);
  if (Array.isArray(values)) reader.result.inputs = { input: values.map((v) => parseJsonTolerant(v)) };
  else if (value !== undefined) reader.result.inputs = { input: parseJsonTolerant(value) };
  reader.first(AI_EMBEDDINGS);
  reader.first(AI_EMBEDDING);
}

/** Text and object generation: messages in; choices out for model calls, `{output}` for wrappers. */
function readGeneration(reader: Reader): void {
  const messages = sdkMessages(reader.first(AI_PROMPT_MESSAGES)) ?? outerPromptMessages(reader.first(AI_PROMPT));
  const tools = sdkTools(reader.first(AI_PROMPT_TOOLS));
  const toolChoice = parseJsonTolerant(reader.first(AI_PROMPT_TOOL_CHOICE));
  const inputs: Record<string, unknown> = {};
  if (messages) inputs.messages = messages;
  if (tools?.length) inputs.tools = tools;
  if (toolChoice !== undefined) inputs.tool_choice = toolChoice;
  if (Object.keys(inputs).length) reader.result.inputs = inputs;

  const text = reader.first(AI_RESPONSE_TEXT, AI_RESULT_TEXT);
  const object = reader.first(AI_RESPONSE_OBJECT, AI_RESULT_OBJECT);
  const toolCalls = sdkToolCalls(reader.first(AI_RESPONSE_TOOL_CALLS, AI_RESULT_TOOL_CALLS));
  const reason = finishReason(reader.first(AI_RESPONSE_FINISH_REASON, AI_FINISH_REASON));
  if (text === undefined && object === undefined && !toolCalls?.length && !reason) return;

  if (reader.kind === 'llm') {
    const message = chatMessage({ role: 'assistant', content: typeof text === 'string' ? text : typeof object === 'string' ? object : null, toolCalls });
    const choice: ChatChoice = { index: 0, message };
    if (reason) choice.finish_reason = reason;
    reader.result.outputs = { choices: [choice] };
    return;
  }
  const outputs: Record<string, unknown> = {};
  if (object !== undefined) outputs.output = parseJsonTolerant(object);
  else if (text !== undefined) outputs.output = text;
  if (toolCalls?.length) outputs.tool_calls = toolCalls;
  if (reason) outputs.finish_reason = reason;
  reader.result.outputs = outputs;
}

/**
 * A stream's first chunk becomes LangSmith's `new_token` event (its time-to-first-token). The
 * AI SDK records only the delay, not the chunk, so the token is empty.
 */
function readFirstChunk(reader: Reader, events: readonly TimedEvent[]): void {
  const first = events.find((event) => event.name === AI_STREAM_FIRST_CHUNK_EVENT);
  if (!first) return;
  const event: RunEvent = { name: 'new_token', time: microsToIso(hrTimeToMicros(first.time)), kwargs: { token: '' } };
  reader.result.events = [event];
  reader.result.consumedEvents = [AI_STREAM_FIRST_CHUNK_EVENT];
  if (reader.attributes[AI_RESPONSE_MS_TO_FIRST_CHUNK] === undefined) {
    const delay = first.attributes?.[AI_RESPONSE_MS_TO_FIRST_CHUNK] ?? first.attributes?.[AI_STREAM_MS_TO_FIRST_CHUNK];
    if (delay !== undefined) reader.metadata(AI_RESPONSE_MS_TO_FIRST_CHUNK, toJsonValue(delay));
  }
}
