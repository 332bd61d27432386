import type { Attributes } from '@opentelemetry/api';
import { ATTR_SESSION_ID, ATTR_USER_ID } from '@opentelemetry/semantic-conventions/incubating';
import type { RunType } from '../../schema/run.js';
import { toJsonValue } from '../attribute-values.js';
import { AttributeReader, isRecord, nonEmptyText, type Fields } from './attribute-reader.js';
import { addContentBlock, assembleMessages, blockList, newPieces } from '../llm/content-blocks.js';
import { readIndexed } from '../llm/indexed.js';
import { parseJsonObject, parseJsonTolerant } from '../llm/json.js';
import { chatMessage, toolCall, type ChatChoice, type ChatMessage, type ChatToolCall } from '../llm/messages.js';
import { fillToolCallIds, lacksToolCallIds, serializedInputMessages, serializedOutputMessages } from '../llm/serialized-tool-ids.js';
import { usageMetadata } from '../llm/usage.js';
import { withCosts } from './costs.js';
import { tagsOf } from './langsmith.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// OpenInference span attributes (Arize-ai/openinference, spec/semantic_conventions.md). `session.id`
// and `user.id` are OTel names as well and come from @opentelemetry/semantic-conventions.
export const OI_SPAN_KIND = 'openinference.span.kind';
export const OI_INPUT_VALUE = 'input.value';
export const OI_INPUT_MIME_TYPE = 'input.mime_type';
export const OI_OUTPUT_VALUE = 'output.value';
export const OI_OUTPUT_MIME_TYPE = 'output.mime_type';
export const OI_LLM_INPUT_MESSAGES = 'llm.input_messages';
export const OI_LLM_OUTPUT_MESSAGES = 'llm.output_messages';
export const OI_LLM_PROMPTS = 'llm.prompts';
export const OI_LLM_INVOCATION_PARAMETERS = 'llm.invocation_parameters';
export const OI_LLM_PROMPT_TEMPLATE_VARIABLES = 'llm.prompt_template.variables';
export const OI_LLM_TOOLS = 'llm.tools';
export const OI_LLM_MODEL_NAME = 'llm.model_name';
export const OI_LLM_REQUEST_MODEL_NAME = 'llm.request.model_name';
export const OI_LLM_RESPONSE_MODEL_NAME = 'llm.response.model_name';
export const OI_LLM_PROVIDER = 'llm.provider';
export const OI_LLM_SYSTEM = 'llm.system';
export const OI_LLM_FINISH_REASON = 'llm.finish_reason';
export const OI_TOKEN_COUNT_PROMPT = 'llm.token_count.prompt';
export const OI_TOKEN_COUNT_COMPLETION = 'llm.token_count.completion';
export const OI_TOKEN_COUNT_TOTAL = 'llm.token_count.total';
export const OI_TOKEN_COUNT_PROMPT_CACHE_READ = 'llm.token_count.prompt_details.cache_read';
export const OI_TOKEN_COUNT_PROMPT_CACHE_WRITE = 'llm.token_count.prompt_details.cache_write';
export const OI_TOKEN_COUNT_PROMPT_AUDIO = 'llm.token_count.prompt_details.audio';
export const OI_TOKEN_COUNT_COMPLETION_REASONING = 'llm.token_count.completion_details.reasoning';
export const OI_TOKEN_COUNT_COMPLETION_AUDIO = 'llm.token_count.completion_details.audio';
export const OI_EMBEDDING_EMBEDDINGS = 'embedding.embeddings';
export const OI_EMBEDDING_MODEL_NAME = 'embedding.model_name';
export const OI_RETRIEVAL_DOCUMENTS = 'retrieval.documents';
export const OI_RERANKER_INPUT_DOCUMENTS = 'reranker.input_documents';
export const OI_RERANKER_OUTPUT_DOCUMENTS = 'reranker.output_documents';
export const OI_RERANKER_QUERY = 'reranker.query';
export const OI_RERANKER_MODEL_NAME = 'reranker.model_name';
export const OI_RERANKER_TOP_K = 'reranker.top_k';
export const OI_TOOL_NAME = 'tool.name';
export const OI_TOOL_PARAMETERS = 'tool.parameters';
export const OI_TOOL_CALL_FUNCTION_ARGUMENTS = 'tool_call.function.arguments';
export const OI_METADATA = 'metadata';
export const OI_TAG_TAGS = 'tag.tags';

// Field names inside one indexed entry (`llm.input_messages.N.<field>` and so on).
export const OI_MESSAGE_ROLE = 'message.role';
export const OI_MESSAGE_CONTENT = 'message.content';
export const OI_MESSAGE_CONTENTS = 'message.contents';
export const OI_MESSAGE_NAME = 'message.name';
export const OI_MESSAGE_TOOL_CALLS = 'message.tool_calls';
export const OI_MESSAGE_TOOL_CALL_ID = 'message.tool_call_id';
export const OI_MESSAGE_FUNCTION_CALL_NAME = 'message.function_call_name';
export const OI_MESSAGE_FUNCTION_CALL_ARGUMENTS = 'message.function_call_arguments_json';
export const OI_CONTENT_TYPE = 'message_content.type';
export const OI_CONTENT_TEXT = 'message_content.text';
export const OI_CONTENT_IMAGE_URL = 'message_content.image.image.url';
export const OI_TOOL_CALL_ID = 'tool_call.id';
export const OI_TOOL_CALL_FUNCTION_NAME = 'tool_call.function.name';
export const OI_DOCUMENT_ID = 'document.id';
export const OI_DOCUMENT_CONTENT = 'document.content';
export const OI_DOCUMENT_SCORE = 'document.score';
export const OI_DOCUMENT_METADATA = 'document.metadata';
export const OI_EMBEDDING_TEXT = 'embedding.text';
export const OI_PROMPT_TEXT = 'prompt.text';
export const OI_TOOL_JSON_SCHEMA = 'tool.json_schema';

const RUN_TYPE_BY_KIND: ReadonlyMap<string, RunType> = new Map<string, RunType>([
  ['LLM', 'llm'],
  ['EMBEDDING', 'embedding'],
  ['TOOL', 'tool'],
  ['RETRIEVER', 'retriever'],
  ['RERANKER', 'retriever'],
  ['PROMPT', 'prompt'],
  ['CHAIN', 'chain'],
  ['AGENT', 'chain'],
  ['GUARDRAIL', 'chain'],
  ['EVALUATOR', 'chain'],
]);

const TOKEN_COUNTS = {
  input: OI_TOKEN_COUNT_PROMPT,
  output: OI_TOKEN_COUNT_COMPLETION,
  total: OI_TOKEN_COUNT_TOTAL,
  cacheRead: OI_TOKEN_COUNT_PROMPT_CACHE_READ,
  cacheCreation: OI_TOKEN_COUNT_PROMPT_CACHE_WRITE,
  inputAudio: OI_TOKEN_COUNT_PROMPT_AUDIO,
  reasoning: OI_TOKEN_COUNT_COMPLETION_REASONING,
  outputAudio: OI_TOKEN_COUNT_COMPLETION_AUDIO,
} as const;

// First dotted segments of every name above: spans with none of them are skipped cheaply.
// `session.id` and `user.id` are not among them: they are ordinary OTel attributes too, read as
// LangSmith's thread keys only on spans that are recognisably OpenInference's.
const ROOTS = ['openinference', 'input', 'output', 'llm', 'embedding', 'retrieval', 'reranker', 'tool', 'tool_call', 'metadata', 'tag'];
// By first character, so most keys are ruled out by one lookup, without cutting them into segments.
const ROOTS_BY_FIRST = new Map<number, string[]>();
for (const root of ROOTS) ROOTS_BY_FIRST.set(root.charCodeAt(0), [...(ROOTS_BY_FIRST.get(root.charCodeAt(0)) ?? []), root]);

/** Message text as a string; numbers and arrays (which attributes allow) are written out, never dropped. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  return undefined;
}

/** Entries of an indexed attribute group; the whole group counts as consumed once it yields anything. */
function takeIndexed<T>(reader: AttributeReader, prefix: string, convert: (item: Fields) => T | undefined): T[] {
  const { items, consumed } = readIndexed(reader.attributes, prefix);
  const converted = items.map(convert).filter((v): v is T => v !== undefined);
  if (converted.length) reader.consumed.push(...consumed);
  return converted;
}

/** Indexed entries nested inside one entry (`message.tool_calls.J.*` within `llm.input_messages.N`). */
function nested(item: Fields, prefix: string): Fields[] {
  // readIndexed only reads keys and re-normalizes values, so an entry record can stand in for Attributes.
  return readIndexed(item as Attributes, prefix).items;
}

// ---- values -------------------------------------------------------------------------------

function isJsonMime(mime: unknown): boolean {
  return typeof mime === 'string' && mime.toLowerCase().includes('json');
}

/**
 * `input.value` / `output.value` as a run's inputs or outputs: JSON objects as they are, anything
 * else under `key` (parsed when the mime type says JSON).
 */
function valueRecord(value: unknown, mime: unknown, key: string): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = parseJsonTolerant(value);
  if (isRecord(parsed)) return parsed;
  return { [key]: isJsonMime(mime) ? parsed : toJsonValue(value as Attributes[string]) };
}

/** A plain-text value (not a JSON object) as a string, for completion prompts and texts. */
function plainText(value: unknown, mime: unknown): string | undefined {
  if (typeof value !== 'string' || isJsonMime(mime)) return undefined;
  return isRecord(parseJsonTolerant(value)) ? undefined : value;
}

// ---- messages -----------------------------------------------------------------------------

function contentPart(part: Fields): Fields | undefined {
  const type = part[OI_CONTENT_TYPE];
  const url = nonEmptyText(part[OI_CONTENT_IMAGE_URL]);
  if (url && (type === 'image' || type === undefined)) return { type: 'image_url', image_url: { url } };
  const text = textOf(part[OI_CONTENT_TEXT]);
  return text === undefined ? undefined : { type: 'text', text };
}

function toolCallsOf(message: Fields): ChatToolCall[] {
  const calls = nested(message, OI_MESSAGE_TOOL_CALLS)
    .filter((c) => c[OI_TOOL_CALL_FUNCTION_NAME] !== undefined || c[OI_TOOL_CALL_FUNCTION_ARGUMENTS] !== undefined)
    .map((c) => toolCall(c[OI_TOOL_CALL_ID], c[OI_TOOL_CALL_FUNCTION_NAME], c[OI_TOOL_CALL_FUNCTION_ARGUMENTS]));
  // The deprecated single `function_call` of OpenAI's older API is a tool call without an id.
  if (message[OI_MESSAGE_FUNCTION_CALL_ARGUMENTS] !== undefined) {
    calls.push(toolCall(undefined, message[OI_MESSAGE_FUNCTION_CALL_NAME], message[OI_MESSAGE_FUNCTION_CALL_ARGUMENTS]));
  }
  return calls;
}

/**
 * One indexed message as OpenAI-form messages. `message.contents` parts are already OpenAI blocks;
 * a `message.content` string that is a provider's block list (some instrumentations write the
 * request's content as JSON) goes through the one content decoder (llm/content-blocks.ts), so its
 * tool calls and tool results keep their ids.
 */
function messagesOf(message: Fields, defaultRole: string): ChatMessage[] | undefined {
  const parts = nested(message, OI_MESSAGE_CONTENTS).map(contentPart).filter((p): p is Fields => p !== undefined);
  const toolCalls = toolCallsOf(message);
  const role = message[OI_MESSAGE_ROLE];
  const raw = message[OI_MESSAGE_CONTENT];
  const blocks = parts.length || typeof raw !== 'string' ? undefined : blockList(raw);
  if (blocks) {
    const pieces = newPieces(role ?? defaultRole, message[OI_MESSAGE_NAME], message[OI_MESSAGE_TOOL_CALL_ID]);
    for (const block of blocks) addContentBlock(pieces, block);
    pieces.toolCalls.push(...toolCalls);
    return assembleMessages(pieces);
  }
  const content = parts.length ? parts : textOf(raw);
  if (role === undefined && content === undefined && !toolCalls.length) return undefined;
  return [chatMessage({ role: role ?? defaultRole, content, name: message[OI_MESSAGE_NAME], toolCalls, toolCallId: message[OI_MESSAGE_TOOL_CALL_ID] })];
}

/** `llm.prompts` is a string array in older producers and `llm.prompts.N.prompt.text` in newer ones. */
function promptsOf(reader: AttributeReader): string[] {
  const whole = reader.attributes[OI_LLM_PROMPTS];
  if (Array.isArray(whole) && whole.some((p) => typeof p === 'string')) {
    reader.consumed.push(OI_LLM_PROMPTS);
    return whole.filter((p): p is string => typeof p === 'string');
  }
  return takeIndexed(reader, OI_LLM_PROMPTS, (item) => textOf(item[OI_PROMPT_TEXT]));
}

// ---- run kinds ----------------------------------------------------------------------------

function choicesOf(bodies: Array<Pick<ChatChoice, 'message' | 'text'>>, finishReason: string | undefined): ChatChoice[] {
  // OpenInference records one finish reason per call; it belongs to the first choice.
  return bodies.map((body, index) => (index === 0 && finishReason ? { index, ...body, finish_reason: finishReason } : { index, ...body }));
}

/** How many messages a JSON request body in input.value holds (0 when it is something else). */
function requestMessageCount(value: unknown): number {
  const messages = parseJsonObject(value)?.messages;
  return Array.isArray(messages) ? messages.length : 0;
}

/** Messages (chat) or prompt text (completion) of a model call, and its usage. */
function readLlm(reader: AttributeReader, result: ConventionResult): void {
  const a = reader.attributes;
  const inputMessages = takeIndexed(reader, OI_LLM_INPUT_MESSAGES, (m) => messagesOf(m, 'user')).flat();
  // A model's output without a role is the model speaking.
  const outputMessages = takeIndexed(reader, OI_LLM_OUTPUT_MESSAGES, (m) => messagesOf(m, 'assistant')).flat();
  // Tool-call ids the indexed messages lack, from the serialized copies (llm/serialized-tool-ids.ts).
  if (lacksToolCallIds(inputMessages)) fillToolCallIds(inputMessages, serializedInputMessages(a[OI_INPUT_VALUE]));
  if (lacksToolCallIds(outputMessages)) fillToolCallIds(outputMessages, serializedOutputMessages(a[OI_OUTPUT_VALUE]));

  if (inputMessages.length) {
    result.inputs = { messages: inputMessages };
    // input.value holds the request body, which repeats the messages; but when the SDK's attribute
    // limit cut the indexed list short, that body is the only complete copy, so it stays in metadata.
    if (requestMessageCount(a[OI_INPUT_VALUE]) <= inputMessages.length) reader.consume(OI_INPUT_VALUE, OI_INPUT_MIME_TYPE);
  } else {
    const prompts = promptsOf(reader);
    const prompt = prompts.length ? prompts : readPlainText(reader, OI_INPUT_VALUE, OI_INPUT_MIME_TYPE);
    if (prompt !== undefined) result.inputs = { prompt: Array.isArray(prompt) && prompt.length === 1 ? prompt[0] : prompt };
  }

  const finishReason = nonEmptyText(a[OI_LLM_FINISH_REASON]);
  if (outputMessages.length) {
    result.outputs = { choices: choicesOf(outputMessages.map((message) => ({ message })), finishReason) };
    reader.consume(OI_OUTPUT_VALUE, OI_OUTPUT_MIME_TYPE);
  } else {
    const text = readPlainText(reader, OI_OUTPUT_VALUE, OI_OUTPUT_MIME_TYPE);
    if (text !== undefined) result.outputs = { choices: choicesOf([{ text }], finishReason) };
  }
  if (result.outputs && finishReason) reader.consumed.push(OI_LLM_FINISH_REASON);

  const chat = inputMessages.length > 0 || outputMessages.length > 0;
  if (chat || result.inputs?.prompt !== undefined) reader.model({ type: chat ? 'chat' : 'llm' });

  const usage = usageMetadata(Object.fromEntries(Object.entries(TOKEN_COUNTS).map(([field, key]) => [field, a[key]])));
  if (usage) {
    // `llm.cost.*` (and any other spelling of a computed cost) travels with the token counts.
    const costKeys: string[] = [];
    result.usage = withCosts(reader, usage, costKeys);
    reader.consume(...Object.values(TOKEN_COUNTS), ...costKeys);
  }
}

/** The texts that were embedded; vectors are dropped, they would only bloat the run. */
function readEmbedding(reader: AttributeReader, result: ConventionResult): void {
  const a = reader.attributes;
  const { items, consumed } = readIndexed(a, OI_EMBEDDING_EMBEDDINGS);
  reader.consumed.push(...consumed);
  const texts = items.map((item) => item[OI_EMBEDDING_TEXT]).filter((t): t is string => typeof t === 'string');
  // input.value mirrors the request's `input` (one string or a list), closer to what was sent.
  const requested = parseJsonTolerant(a[OI_INPUT_VALUE]);
  if (typeof requested === 'string' || Array.isArray(requested)) {
    result.inputs = { input: requested };
    reader.consume(OI_INPUT_VALUE, OI_INPUT_MIME_TYPE);
  } else if (texts.length) {
    result.inputs = { input: texts };
  }
  // An embedding call's output.value, when an instrumentation writes one, is the vectors again.
  reader.consume(OI_OUTPUT_VALUE, OI_OUTPUT_MIME_TYPE);
}

function documentOf(item: Fields): Fields | undefined {
  const content = item[OI_DOCUMENT_CONTENT];
  const id = item[OI_DOCUMENT_ID];
  const score = item[OI_DOCUMENT_SCORE];
  const rawMetadata = item[OI_DOCUMENT_METADATA];
  if (content === undefined && id === undefined && score === undefined && rawMetadata === undefined) return undefined;
  const parsed = parseJsonObject(rawMetadata);
  const metadata: Fields = parsed ? { ...parsed } : rawMetadata !== undefined ? { metadata: rawMetadata } : {};
  if (id !== undefined && id !== null) metadata.id = id;
  if (score !== undefined && score !== null) metadata.score = score;
  return { page_content: textOf(content) ?? '', type: 'Document', metadata };
}

/** LangSmith shows a retriever's input as its `query`. */
function readRetriever(reader: AttributeReader, result: ConventionResult): void {
  const documents = takeIndexed(reader, OI_RETRIEVAL_DOCUMENTS, documentOf);
  if (documents.length) result.outputs = { documents };
  const query = readPlainText(reader, OI_INPUT_VALUE, OI_INPUT_MIME_TYPE);
  if (query !== undefined) result.inputs = { query };
}

/**
 * A prompt-template span (`llm.prompt_template.*`, on PROMPT spans or spans of no kind): LangSmith
 * makes it a `prompt` run whose inputs are the template's variables. On an LLM span the template
 * stays in metadata: the messages it produced are the better inputs.
 */
function readPromptTemplate(reader: AttributeReader, result: ConventionResult, kind: string | undefined): void {
  if (kind !== undefined && kind !== 'PROMPT') return;
  const variables = parseJsonObject(reader.attributes[OI_LLM_PROMPT_TEMPLATE_VARIABLES]);
  if (!variables) return;
  result.runType ??= 'prompt';
  if (parseJsonObject(reader.attributes[OI_INPUT_VALUE])) return;
  result.inputs = variables;
  reader.consumed.push(OI_LLM_PROMPT_TEMPLATE_VARIABLES);
}

function readReranker(reader: AttributeReader, result: ConventionResult): void {
  const outputDocuments = takeIndexed(reader, OI_RERANKER_OUTPUT_DOCUMENTS, documentOf);
  if (outputDocuments.length) result.outputs = { documents: outputDocuments };
  const inputs: Fields = {};
  const query = reader.take(OI_RERANKER_QUERY, textOf);
  if (query !== undefined) inputs.query = query;
  const inputDocuments = takeIndexed(reader, OI_RERANKER_INPUT_DOCUMENTS, documentOf);
  if (inputDocuments.length) inputs.documents = inputDocuments;
  if (Object.keys(inputs).length) result.inputs = inputs;
  const model = reader.take(OI_RERANKER_MODEL_NAME, nonEmptyText);
  if (model) reader.model({ name: model });
  const topK = reader.take(OI_RERANKER_TOP_K, (v) => (typeof v === 'number' ? v : undefined));
  if (topK !== undefined) result.invocationParams = { top_k: topK };
}

/**
 * A tool run is named after its tool: instrumentations name TOOL spans after the method that ran
 * it (LlamaIndex's `FunctionTool.acall`, openinference-core's `traceTool` after the function) and
 * record the tool in `tool.name`, which LangSmith's own OTel converter takes as the run's name
 * on OpenInference TOOL spans. `tool.name` stays in metadata too (not consumed).
 */
function readToolName(reader: AttributeReader, result: ConventionResult): void {
  const name = nonEmptyText(reader.attributes[OI_TOOL_NAME]);
  if (name) result.name = name;
}

/** A tool span without input.value: the call's arguments, else the tool's parameters. */
function readToolArguments(reader: AttributeReader, result: ConventionResult): void {
  if (reader.attributes[OI_INPUT_VALUE] !== undefined) return;
  const fromJson = (value: unknown) => valueRecord(value, 'application/json', 'input');
  const inputs = reader.take(OI_TOOL_CALL_FUNCTION_ARGUMENTS, fromJson) ?? reader.take(OI_TOOL_PARAMETERS, fromJson);
  if (inputs) result.inputs = inputs;
}

/** A completion's prompt or text from `input.value` / `output.value`, with its mime type. */
function readPlainText(reader: AttributeReader, valueKey: string, mimeKey: string): string | undefined {
  const text = reader.take(valueKey, (v) => plainText(v, reader.attributes[mimeKey]));
  if (text !== undefined) reader.consume(mimeKey);
  return text;
}

/** `input.value` or `output.value` (with its mime type) for what a kind-specific reader left unset. */
function readValue(reader: AttributeReader, valueKey: string, mimeKey: string, key: 'input' | 'output'): Fields | undefined {
  const fields = reader.take(valueKey, (v) => valueRecord(v, reader.attributes[mimeKey], key));
  if (fields) reader.consume(mimeKey);
  return fields;
}

// ---- model, parameters, context -----------------------------------------------------------

/** Provider, model and call parameters, as LangSmith reads them for cost and filtering. */
function readModel(reader: AttributeReader, result: ConventionResult): void {
  const provider = reader.take(OI_LLM_PROVIDER, nonEmptyText) ?? reader.take(OI_LLM_SYSTEM, nonEmptyText);
  // The response's model names the exact version that answered; the request's is the fallback.
  const model =
    reader.take(OI_LLM_RESPONSE_MODEL_NAME, nonEmptyText) ??
    reader.take(OI_LLM_MODEL_NAME, nonEmptyText) ??
    reader.take(OI_EMBEDDING_MODEL_NAME, nonEmptyText) ??
    reader.take(OI_LLM_REQUEST_MODEL_NAME, nonEmptyText);
  reader.model({ provider: provider?.toLowerCase(), name: model });

  const params = reader.take(OI_LLM_INVOCATION_PARAMETERS, parseJsonObject);
  const tools = takeIndexed(reader, OI_LLM_TOOLS, (item) => parseJsonObject(item[OI_TOOL_JSON_SCHEMA]));
  if (!params && !tools.length) return;
  const invocation: Fields = { ...result.invocationParams, ...params };
  // Tool schemas recorded on their own: the same list OpenAI's invocation parameters carry.
  if (tools.length && invocation.tools === undefined) invocation.tools = tools;
  result.invocationParams = invocation;
}

/** User metadata, LangSmith thread keys (session, user) and tags. */
function readContext(reader: AttributeReader, result: ConventionResult, metadata: Fields): void {
  const extra = reader.take(OI_METADATA, parseJsonObject);
  // `metadata` is a null-prototype record: a hostile `__proto__` key stays an ordinary key.
  if (extra) Object.assign(metadata, extra);
  const session = reader.take(ATTR_SESSION_ID, nonEmptyText);
  if (session) metadata.session_id = session;
  const user = reader.take(ATTR_USER_ID, nonEmptyText);
  if (user) metadata.user_id = user;
  const tags = reader.take(OI_TAG_TAGS, (v) => tagsOf(parseJsonTolerant(v)));
  if (tags) result.tags = tags;
}

/** Whether the key's first dotted segment is one of ROOTS. */
function hasOpenInferenceRoot(key: string): boolean {
  const candidates = ROOTS_BY_FIRST.get(key.charCodeAt(0));
  if (!candidates) return false;
  for (const root of candidates) {
    if (key.startsWith(root) && (key.length === root.length || key.charCodeAt(root.length) === 46 /* . */)) return true;
  }
  return false;
}

/**
 * OpenInference (Arize Phoenix) spans: the span kind picks the run type; messages, prompts,
 * documents, embedding texts and tool arguments become inputs and outputs in LangSmith's shapes.
 */
export const openInferenceConvention: Convention = {
  id: 'openinference',
  keyStarts: ROOTS,
  read({ attributes }: SpanView): ConventionResult | undefined {
    if (!Object.keys(attributes).some(hasOpenInferenceRoot)) return undefined;
    const reader = new AttributeReader(attributes);
    const { result } = reader;
    result.consumed = reader.consumed;
    const metadata = Object.create(null) as Fields;

    // User metadata first, so what is derived below (ls_model_name, session_id, ...) wins over it.
    readContext(reader, result, metadata);
    const kindValue = attributes[OI_SPAN_KIND];
    const kind = typeof kindValue === 'string' ? kindValue.trim().toUpperCase() : undefined;
    const runType = kind === undefined ? undefined : RUN_TYPE_BY_KIND.get(kind);
    if (runType) {
      result.runType = runType;
      reader.consumed.push(OI_SPAN_KIND);
    }
    if (kind === 'LLM') readLlm(reader, result);
    else if (kind === 'EMBEDDING') readEmbedding(reader, result);
    else if (kind === 'RETRIEVER') readRetriever(reader, result);
    else if (kind === 'RERANKER') readReranker(reader, result);
    else if (kind === 'TOOL') {
      readToolName(reader, result);
      readToolArguments(reader, result);
    }
    readPromptTemplate(reader, result, kind);
    const inputs = result.inputs ?? readValue(reader, OI_INPUT_VALUE, OI_INPUT_MIME_TYPE, 'input');
    if (inputs) result.inputs = inputs;
    const outputs = result.outputs ?? (kind === 'EMBEDDING' ? undefined : readValue(reader, OI_OUTPUT_VALUE, OI_OUTPUT_MIME_TYPE, 'output'));
    if (outputs) result.outputs = outputs;
    readModel(reader, result);

    if (Object.keys(metadata).length) result.metadata = metadata;
    return reader.consumed.length ? result : undefined;
  },
};
