import {
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_NAME,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_CREATE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
  GEN_AI_OPERATION_NAME_VALUE_RETRIEVAL,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
} from '@opentelemetry/semantic-conventions/incubating';
import type { RunType } from '../../schema/run.js';
import { blockList, toolResultContent } from '../llm/content-blocks.js';
import { parseJsonArray, parseJsonObject } from '../llm/json.js';
import type { ChatChoice, ChatMessage } from '../llm/messages.js';
import { AttributeReader } from './attribute-reader.js';
import { asRecord, contentText, isRecord, nonEmptyString } from './genai-common.js';
import { choiceList, messageList, readMessageEvents, systemMessage, textChoice } from './genai-messages.js';
import { readGenAiUsage, readModelIdentity, readRequestParams } from './genai-params.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// OpenTelemetry GenAI semantic conventions (`gen_ai.*`), current and older forms. The indexed
// `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` keys belong to the Traceloop convention.

const RUN_TYPES_BY_OPERATION: Readonly<Record<string, RunType>> = {
  [GEN_AI_OPERATION_NAME_VALUE_CHAT]: 'llm',
  [GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION]: 'llm',
  [GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT]: 'llm',
  [GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS]: 'embedding',
  [GEN_AI_OPERATION_NAME_VALUE_RETRIEVAL]: 'retriever',
  [GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL]: 'tool',
  [GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT]: 'chain',
  [GEN_AI_OPERATION_NAME_VALUE_CREATE_AGENT]: 'chain',
  [GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW]: 'chain',
};

const GEN_AI_PREFIX = 'gen_ai.';

/** A span speaks GenAI when it has a `gen_ai.*` attribute or a GenAI message event. */
const hasGenAiEvent = ({ events }: SpanView): boolean => events.some((event) => event.name.startsWith(GEN_AI_PREFIX));

function isGenAiSpan(span: SpanView): boolean {
  return Object.keys(span.attributes).some((key) => key.startsWith(GEN_AI_PREFIX)) || hasGenAiEvent(span);
}

export const genAiConvention: Convention = {
  id: 'genai',
  keyStarts: [GEN_AI_PREFIX],
  appliesBeyondKeys: hasGenAiEvent,
  read(span: SpanView): ConventionResult | undefined {
    if (!isGenAiSpan(span)) return undefined;
    const reader = new AttributeReader(span.attributes);
    const operation = nonEmptyString(span.attributes[ATTR_GEN_AI_OPERATION_NAME]);
    const runType = operation && Object.hasOwn(RUN_TYPES_BY_OPERATION, operation) ? RUN_TYPES_BY_OPERATION[operation] : undefined;
    if (runType) reader.result.runType = runType;

    readModel(reader, operation);
    readConversation(reader);
    readParams(reader, operation);
    readUsageInto(reader, runType);
    readTool(reader, span, operation);
    readRetrieval(reader);
    readMessages(reader, span, operation);
    return reader.finish();
  },
};

function readModel(reader: AttributeReader, operation: string | undefined): void {
  readModelIdentity(reader);
  if (operation === GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION) reader.model({ type: 'llm' });
  else if (operation === GEN_AI_OPERATION_NAME_VALUE_CHAT || operation === GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT) reader.model({ type: 'chat' });
}

function readParams(reader: AttributeReader, operation: string | undefined): void {
  // Without an operation name this is another library's span carrying a few gen_ai.* keys (the
  // AI SDK's do* spans): its own convention describes the call parameters more fully, and
  // invocation params go to whichever convention sets them first.
  if (operation === undefined) return;
  const params = readRequestParams(reader, true);
  if (params) reader.result.invocationParams = params;
}

/** LangSmith groups runs into threads by `thread_id` / `conversation_id` metadata. */
function readConversation(reader: AttributeReader): void {
  const id = reader.take(ATTR_GEN_AI_CONVERSATION_ID, (value) => (value === null || value === '' ? undefined : value));
  if (id === undefined) return;
  reader.metadata('thread_id', id);
  reader.metadata('conversation_id', id);
}

function readUsageInto(reader: AttributeReader, runType: RunType | undefined): void {
  const found = readGenAiUsage(reader);
  if (!found) return;
  reader.result.usage = found.usage;
  // Usage only reaches llm runs; on embedding runs the raw counts stay in metadata so they are not lost.
  if (runType === 'embedding') return;
  reader.consumed.push(...found.keys);
}

/**
 * `execute_tool` spans: the tool's name, arguments and result. A span that names a tool and no
 * operation is a tool run too, named after the tool rather than the method that ran it (LangSmith's
 * own OTel converter: "`gen_ai.tool.name` present → tool"; older Pydantic AI "running tool" spans).
 */
function readTool(reader: AttributeReader, span: SpanView, operation: string | undefined): void {
  const name = nonEmptyString(span.attributes[ATTR_GEN_AI_TOOL_NAME]);
  if (name && operation === undefined) reader.result.runType ??= 'tool';
  if (name && reader.result.runType === 'tool') reader.result.name = name;
  const inputs = reader.take(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, (value) => asRecord(value, 'input'));
  if (inputs) reader.result.inputs = inputs;
  const outputs = reader.take(ATTR_GEN_AI_TOOL_CALL_RESULT, (value) => asRecord(toolResultValue(value), 'output'));
  if (outputs) reader.result.outputs = outputs;
}

/**
 * A tool result that is a provider's content-block list (Bedrock `[{text}|{json}]`, Anthropic
 * `[{type: 'text', text}]`) as the text or value it holds; any other result as it is.
 */
function toolResultValue(value: unknown): unknown {
  const list = blockList(value);
  return list ? toolResultContent(list) : value;
}

function readRetrieval(reader: AttributeReader): void {
  const query = reader.take(ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT, (value) => value ?? undefined);
  if (query !== undefined) reader.result.inputs = { ...reader.result.inputs, query };
  const documents = reader.take(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, parseJsonArray);
  if (documents) reader.result.outputs = { ...reader.result.outputs, documents: documents.map(toDocument) };
}

/** A retrieved document as LangSmith renders it; GenAI only requires `id` and `score`. */
function toDocument(raw: unknown): Record<string, unknown> {
  if (!isRecord(raw)) return { page_content: contentText(raw), type: 'Document', metadata: {} };
  const { content, text, page_content: pageContent, metadata, ...rest } = raw;
  const extra = isRecord(metadata) ? metadata : {};
  return { page_content: contentText(pageContent ?? content ?? text), type: 'Document', metadata: { ...rest, ...extra } };
}

/** The first of a detail attribute's values that `read` makes something of, concatenated when it gives lists. */
function fromDetails<T>(values: readonly unknown[] | undefined, read: (value: unknown) => T[] | undefined): T[] | undefined {
  if (!values) return undefined;
  const all = values.flatMap((value) => read(value) ?? []);
  return all.length ? all : undefined;
}

/**
 * Messages and choices: span attributes first (newest form), then the same attributes on the
 * `gen_ai.client.inference.operation.details` event, then the per-message events, then whole-prompt JSON.
 */
function readMessages(reader: AttributeReader, span: SpanView, operation: string | undefined): void {
  const fromEvents = readMessageEvents(span.events);
  if (fromEvents.consumed.length) reader.result.consumedEvents = fromEvents.consumed;
  const details = fromEvents.details;

  // A run's whole inputs or outputs as one JSON object (LangSmith's SDKs, on every run type; the
  // whole-prompt events of older semconv): the run's fields as the producer had them.
  const wholeInputs = reader.take(ATTR_GEN_AI_PROMPT, parseJsonObject) ?? parseJsonObject(fromEvents.prompt);
  const wholeOutputs = reader.take(ATTR_GEN_AI_COMPLETION, parseJsonObject) ?? parseJsonObject(fromEvents.completion);

  const system =
    reader.take(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, systemMessage) ??
    fromDetails(details[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS], (value) => {
      const message = systemMessage(value);
      return message && [message];
    })?.[0];
  const listed =
    reader.take(ATTR_GEN_AI_INPUT_MESSAGES, messageList) ??
    fromDetails(details[ATTR_GEN_AI_INPUT_MESSAGES], messageList) ??
    fromEvents.messages ??
    (wholeInputs ? undefined : (reader.take(ATTR_GEN_AI_PROMPT, messageList) ?? messageList(fromEvents.prompt)));
  const messages = system ? [system, ...(listed ?? [])] : listed;

  const reasons = parseJsonArray(span.attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS]) ?? [];
  const toChoices = (value: unknown) => choiceList(value, reasons);
  const choices =
    reader.take(ATTR_GEN_AI_OUTPUT_MESSAGES, toChoices) ??
    fromDetails(details[ATTR_GEN_AI_OUTPUT_MESSAGES], toChoices) ??
    fromEvents.choices ??
    (wholeOutputs ? undefined : (reader.take(ATTR_GEN_AI_COMPLETION, toChoices) ?? toChoices(fromEvents.completion)));

  const tools = reader.take(ATTR_GEN_AI_TOOL_DEFINITIONS, parseJsonArray) ?? fromDetails(details[ATTR_GEN_AI_TOOL_DEFINITIONS], parseJsonArray);

  if (reader.result.runType === 'tool' && !wholeInputs && !wholeOutputs) {
    readToolContent(reader, messages, choices);
  } else {
    const completionStyle = operation === GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION;
    const messageInputs = messages && (completionStyle ? { prompt: promptText(messages) } : { messages });
    const choiceOutputs = choices && { choices: completionStyle ? choices.map(textChoice) : choices };
    const inputs = wholeInputs ? { ...messageInputs, ...wholeInputs } : messageInputs;
    const outputs = wholeOutputs ? { ...choiceOutputs, ...wholeOutputs } : choiceOutputs;
    if (inputs) reader.result.inputs = { ...reader.result.inputs, ...inputs };
    if (outputs) reader.result.outputs = { ...reader.result.outputs, ...outputs };
  }

  if (tools && reader.result.inputs?.tools === undefined) reader.result.inputs = { ...reader.result.inputs, tools };
  else if (tools) reader.result.invocationParams = { ...reader.result.invocationParams, tools };
}

/**
 * A tool run shows its arguments as inputs and its result as outputs, as LangSmith shows tool runs,
 * not as chat messages: producers describe the call as a tool message (its content, or a
 * `tool_call` part) and the result as a choice (or a `tool_call_response` part).
 * `gen_ai.tool.call.arguments` / `.result` (readTool) win when the span has them.
 */
function readToolContent(reader: AttributeReader, messages: ChatMessage[] | undefined, choices: ChatChoice[] | undefined): void {
  const input = messages?.find((message) => message.role !== 'system');
  if (input && reader.result.inputs === undefined) {
    const call = input.tool_calls?.[0];
    const inputs = asRecord(call ? call.function.arguments : contentValue(input.content), 'input');
    if (inputs) reader.result.inputs = inputs;
  }
  const output = choices?.[0]?.message;
  if (output && reader.result.outputs === undefined) {
    const outputs = asRecord(contentValue(output.content), 'output');
    if (outputs) reader.result.outputs = outputs;
  }
}

/** Message content as a value (asRecord parses JSON text); none when it is empty. */
function contentValue(content: ChatMessage['content']): unknown {
  return content === null || content === '' ? undefined : content;
}

/** A completion prompt is text; the messages it was wrapped in only add roles. */
function promptText(messages: readonly ChatMessage[]): string {
  return messages.map((message) => (typeof message.content === 'string' ? message.content : contentText(message.content))).join('\n');
}
