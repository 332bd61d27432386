import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_PROMPT,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';
import type { RunType } from '../../schema/run.js';
import { toJsonValue } from '../attribute-values.js';
import { AttributeReader, hasKeyWithPrefix, isRecord, nonEmptyText, type Fields } from './attribute-reader.js';
import { readGenAiUsage, readModelIdentity, readRequestParams } from './genai-params.js';
import { addContentBlock, assembleMessages, newPieces } from '../llm/content-blocks.js';
import { readIndexed } from '../llm/indexed.js';
import { parseJsonObject, parseJsonTolerant } from '../llm/json.js';
import { chatMessage, normalizeRole, toolCall, type ChatChoice, type ChatMessage, type ChatToolCall } from '../llm/messages.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// Traceloop OpenLLMetry names (@traceloop/ai-semantic-conventions) that OTel does not define. The
// legacy indexed `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` form and the deprecated usage names
// are read here; the current `gen_ai.input.messages` form is the GenAI convention's.
export const TRACELOOP_SPAN_KIND = 'traceloop.span.kind';
export const TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';
export const TRACELOOP_ENTITY_INPUT = 'traceloop.entity.input';
export const TRACELOOP_ENTITY_OUTPUT = 'traceloop.entity.output';
export const TRACELOOP_ASSOCIATION_PROPERTIES = 'traceloop.association.properties';
export const TRACELOOP_LLM_REQUEST_TYPE = 'llm.request.type';
export const TRACELOOP_LLM_TOP_K = 'llm.top_k';
export const TRACELOOP_LLM_FREQUENCY_PENALTY = 'llm.frequency_penalty';
export const TRACELOOP_LLM_PRESENCE_PENALTY = 'llm.presence_penalty';
export const TRACELOOP_LLM_CHAT_STOP_SEQUENCES = 'llm.chat.stop_sequences';
export const TRACELOOP_LLM_REQUEST_FUNCTIONS = 'llm.request.functions';

// Field names inside one indexed entry (`gen_ai.prompt.N.<field>`, `llm.request.functions.N.<field>`).
export const TRACELOOP_ROLE = 'role';
export const TRACELOOP_CONTENT = 'content';
export const TRACELOOP_FINISH_REASON = 'finish_reason';
export const TRACELOOP_TOOL_CALL_ID = 'tool_call_id';
export const TRACELOOP_TOOL_CALLS = 'tool_calls';
export const TRACELOOP_FUNCTION_CALL_NAME = 'function_call.name';
export const TRACELOOP_FUNCTION_CALL_ARGUMENTS = 'function_call.arguments';
export const TRACELOOP_NAME = 'name';
export const TRACELOOP_ID = 'id';
export const TRACELOOP_ARGUMENTS = 'arguments';
export const TRACELOOP_DESCRIPTION = 'description';
export const TRACELOOP_PARAMETERS = 'parameters';

const RUN_TYPE_BY_SPAN_KIND: ReadonlyMap<string, RunType> = new Map<string, RunType>([
  ['workflow', 'chain'],
  ['task', 'chain'],
  ['agent', 'chain'],
  ['session', 'chain'],
  ['tool', 'tool'],
]);

const RUN_TYPE_BY_REQUEST_TYPE: ReadonlyMap<string, RunType> = new Map<string, RunType>([
  ['chat', 'llm'],
  ['completion', 'llm'],
  ['embedding', 'embedding'],
]);

/** OpenLLMetry's own names for call parameters GenAI names otherwise, as `invocation_params` names them. */
const LEGACY_PARAMS: ReadonlyArray<readonly [attribute: string, param: string]> = [
  [TRACELOOP_LLM_TOP_K, 'top_k'],
  [TRACELOOP_LLM_FREQUENCY_PENALTY, 'frequency_penalty'],
  [TRACELOOP_LLM_PRESENCE_PENALTY, 'presence_penalty'],
  [TRACELOOP_LLM_CHAT_STOP_SEQUENCES, 'stop'],
];

// ---- SDK entities (workflow / task / agent / tool spans) ------------------------------------

/** Python entities record `{"args": [...], "kwargs": {...}}`; keyword-only calls read better unwrapped. */
function entityInputs(value: unknown): Fields {
  const parsed = parseJsonTolerant(value);
  if (!isRecord(parsed)) return { input: parsed };
  const { args, kwargs, ...rest } = parsed;
  const onlyKwargs = Array.isArray(args) && args.length === 0 && isRecord(kwargs) && Object.keys(rest).length === 0;
  return onlyKwargs ? kwargs : parsed;
}

function entityOutputs(value: unknown): Fields {
  const parsed = parseJsonTolerant(value);
  return isRecord(parsed) ? parsed : { output: parsed };
}

function readEntity(reader: AttributeReader, result: ConventionResult): void {
  const kind = nonEmptyText(reader.attributes[TRACELOOP_SPAN_KIND])?.toLowerCase();
  const runType = kind === undefined ? undefined : RUN_TYPE_BY_SPAN_KIND.get(kind);
  if (runType) {
    result.runType = runType;
    reader.consumed.push(TRACELOOP_SPAN_KIND);
    // The SDK names these spans `<entity>.<kind>`; the entity's own name is what the user wrote.
    const name = reader.take(TRACELOOP_ENTITY_NAME, nonEmptyText);
    if (name) result.name = name;
  }
  const inputs = reader.take(TRACELOOP_ENTITY_INPUT, entityInputs);
  if (inputs) result.inputs = inputs;
  const outputs = reader.take(TRACELOOP_ENTITY_OUTPUT, entityOutputs);
  if (outputs) result.outputs = outputs;
}

/** `traceloop.association.properties.<key>` → metadata `<key>` (session_id, user_id, ... for threads). */
function readAssociationProperties(reader: AttributeReader, metadata: Fields): void {
  const prefix = `${TRACELOOP_ASSOCIATION_PROPERTIES}.`;
  for (const key of Object.keys(reader.attributes)) {
    if (!key.startsWith(prefix) || key.length === prefix.length) continue;
    // `metadata` has no prototype, so a `__proto__` property name stays an ordinary key.
    metadata[key.slice(prefix.length)] = toJsonValue(reader.attributes[key]);
    reader.consumed.push(key);
  }
}

// ---- legacy indexed model calls (instrumentations up to 0.22) -------------------------------

/**
 * Content as the legacy form writes it: a string, or JSON for non-string content (OpenAI content
 * parts; `null` for an assistant turn that only called tools).
 */
function contentOf(value: unknown, role: unknown): ChatMessage['content'] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return JSON.stringify(value);
  if (value === 'null' && normalizeRole(role) === 'assistant') return null;
  const parsed = parseJsonTolerant(value);
  const isParts = Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => isRecord(p) && typeof p.type === 'string');
  return isParts ? (parsed as Fields[]) : value;
}

function toolCallsOf(entry: Fields): ChatToolCall[] {
  const calls = readIndexed(entry as Attributes, TRACELOOP_TOOL_CALLS)
    .items.filter((c) => c[TRACELOOP_NAME] !== undefined || c[TRACELOOP_ARGUMENTS] !== undefined)
    .map((c) => toolCall(c[TRACELOOP_ID], c[TRACELOOP_NAME], c[TRACELOOP_ARGUMENTS]));
  if (entry[TRACELOOP_FUNCTION_CALL_NAME] !== undefined) {
    calls.push(toolCall(undefined, entry[TRACELOOP_FUNCTION_CALL_NAME], entry[TRACELOOP_FUNCTION_CALL_ARGUMENTS]));
  }
  return calls;
}

function messageOf(entry: Fields, defaultRole: string): ChatMessage | undefined {
  const role = entry[TRACELOOP_ROLE] ?? defaultRole;
  const content = contentOf(entry[TRACELOOP_CONTENT], role);
  const toolCalls = toolCallsOf(entry);
  if (entry[TRACELOOP_ROLE] === undefined && content === undefined && !toolCalls.length) return undefined;
  // Tool-calling turns are written with content "" (OpenAI's is null there).
  const ownContent = content === '' && toolCalls.length ? null : content;
  return chatMessage({ role, content: ownContent, toolCalls, toolCallId: entry[TRACELOOP_TOOL_CALL_ID] });
}

/** A message whose content is a list of parts goes through the one decoder (llm/content-blocks.ts): tool calls and results keep their ids. */
function messagesOf(entry: Fields, defaultRole: string): ChatMessage[] {
  const role = entry[TRACELOOP_ROLE] ?? defaultRole;
  const content = contentOf(entry[TRACELOOP_CONTENT], role);
  if (!Array.isArray(content)) return [messageOf(entry, defaultRole)].filter((m): m is ChatMessage => m !== undefined);
  const pieces = newPieces(role, undefined, entry[TRACELOOP_TOOL_CALL_ID]);
  for (const block of content) addContentBlock(pieces, block);
  pieces.toolCalls.push(...toolCallsOf(entry));
  return assembleMessages(pieces);
}

function finishReasonOf(entry: Fields): Pick<ChatChoice, 'finish_reason'> {
  const reason = nonEmptyText(entry[TRACELOOP_FINISH_REASON]);
  return reason ? { finish_reason: reason } : {};
}

/** A completion prompt: the text, or the list of texts a JSON-encoded prompt array held. */
function promptOf(entries: Fields[]): unknown {
  const texts = entries.map((e) => parseJsonTolerant(e[TRACELOOP_CONTENT])).filter((t) => t !== undefined && t !== null);
  const flat = texts.flatMap((t) => (Array.isArray(t) ? t : [t]));
  return flat.length === 1 ? flat[0] : flat;
}

interface IndexedCall {
  inputs?: Fields;
  outputs?: Fields;
  /** The span carries indexed prompts or completions, usable or not. */
  found: boolean;
}

function completionCall(prompts: Fields[], completions: Fields[]): Omit<IndexedCall, 'found'> {
  const choices = completions.map((entry, index): ChatChoice => ({ index, text: contentText(entry[TRACELOOP_CONTENT]), ...finishReasonOf(entry) }));
  const call: Omit<IndexedCall, 'found'> = {};
  if (prompts.length) call.inputs = { prompt: promptOf(prompts) };
  if (choices.length) call.outputs = { choices };
  return call;
}

function chatCall(prompts: Fields[], completions: Fields[]): Omit<IndexedCall, 'found'> {
  const messages = prompts.flatMap((entry) => messagesOf(entry, 'user'));
  const choices = completions.flatMap((entry, index): ChatChoice[] => {
    // A completion without a role is the model speaking.
    const message = messagesOf(entry, 'assistant').find((m) => m.role !== 'tool');
    return message ? [{ index, message, ...finishReasonOf(entry) }] : [];
  });
  const call: Omit<IndexedCall, 'found'> = {};
  if (messages.length) call.inputs = { messages };
  if (choices.length) call.outputs = { choices };
  return call;
}

/** `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` as chat messages and choices (or prompt and texts). */
function readIndexedCall(reader: AttributeReader, completion: boolean): IndexedCall {
  const prompts = readIndexed(reader.attributes, ATTR_GEN_AI_PROMPT);
  const completions = readIndexed(reader.attributes, ATTR_GEN_AI_COMPLETION);
  const call = (completion ? completionCall : chatCall)(prompts.items, completions.items);
  if (call.inputs) reader.consumed.push(...prompts.consumed);
  if (call.outputs) reader.consumed.push(...completions.consumed);
  return { ...call, found: prompts.items.length > 0 || completions.items.length > 0 };
}

function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

/**
 * `llm.request.functions.N.*`: the tools offered to the model, as OpenAI's `tools` list. The
 * schema is `.arguments` in the JS instrumentations (@traceloop/instrumentation-openai up to 0.22)
 * and `.parameters` in the Python ones (opentelemetry-instrumentation-openai's responses wrapper,
 * -langchain's callback handler, older -openai `_set_functions_attributes`).
 */
function functionsOf(reader: AttributeReader): Fields[] {
  const { items, consumed } = readIndexed(reader.attributes, TRACELOOP_LLM_REQUEST_FUNCTIONS);
  const tools = items
    .filter((f) => typeof f[TRACELOOP_NAME] === 'string')
    .map((f) => {
      const fn: Fields = { name: f[TRACELOOP_NAME] };
      if (typeof f[TRACELOOP_DESCRIPTION] === 'string') fn.description = f[TRACELOOP_DESCRIPTION];
      const parameters = parseJsonObject(f[TRACELOOP_PARAMETERS]) ?? parseJsonObject(f[TRACELOOP_ARGUMENTS]);
      if (parameters) fn.parameters = parameters;
      return { type: 'function', function: fn };
    });
  if (tools.length) reader.consumed.push(...consumed);
  return tools;
}

/** Provider, model and call parameters of a legacy model-call span. */
function readModel(reader: AttributeReader, result: ConventionResult): void {
  readModelIdentity(reader);
  reader.consume(ATTR_GEN_AI_SYSTEM, ATTR_GEN_AI_RESPONSE_MODEL);
  const requested = reader.take(ATTR_GEN_AI_REQUEST_MODEL, nonEmptyText);
  const params: Fields = { ...readRequestParams(reader, true) };
  if (requested) params.model = requested;
  for (const [key, name] of LEGACY_PARAMS) {
    const value = reader.take(key, (v) => (typeof v === 'number' || name === 'stop' ? v : undefined));
    if (value !== undefined) params[name] ??= value;
  }
  const tools = functionsOf(reader);
  if (tools.length) params.tools = tools;
  if (Object.keys(params).length) result.invocationParams = params;
}

function readUsage(reader: AttributeReader, result: ConventionResult): void {
  const found = readGenAiUsage(reader);
  if (!found) return;
  result.usage = found.usage;
  reader.consumed.push(...found.keys);
}

/** A model call in the legacy form: `llm.request.type` and/or indexed prompts and completions. */
function readModelCall(reader: AttributeReader, result: ConventionResult): void {
  const requestType = nonEmptyText(reader.attributes[TRACELOOP_LLM_REQUEST_TYPE])?.toLowerCase();
  const runType = requestType === undefined ? undefined : RUN_TYPE_BY_REQUEST_TYPE.get(requestType);
  if (runType) {
    result.runType ??= runType;
    reader.consumed.push(TRACELOOP_LLM_REQUEST_TYPE);
  }
  const call = readIndexedCall(reader, requestType === 'completion');
  // Messages describe a model call better than an entity payload around it.
  if (call.inputs) result.inputs = call.inputs;
  if (call.outputs) result.outputs = call.outputs;
  // gen_ai.system / gen_ai.request.* belong to GenAI as well: only read them on a span that is
  // recognisably a legacy Traceloop call, never on a current GenAI-form one.
  if (!runType && !call.found) return;
  if (requestType === 'chat' || requestType === 'completion') reader.model({ type: requestType === 'chat' ? 'chat' : 'llm' });
  readModel(reader, result);
  readUsage(reader, result);
}

/** Key prefixes that make a span this convention's business (entity, association, legacy model call). */
const OWN_PREFIXES = ['traceloop.', `${ATTR_GEN_AI_PROMPT}.`, `${ATTR_GEN_AI_COMPLETION}.`, TRACELOOP_LLM_REQUEST_TYPE];

/**
 * Traceloop OpenLLMetry: SDK entity spans (workflow, task, agent, tool) with their JSON inputs and
 * outputs and association properties, and model calls in the legacy indexed form.
 */
export const traceloopConvention: Convention = {
  id: 'traceloop',
  keyStarts: OWN_PREFIXES,
  read({ attributes }: SpanView): ConventionResult | undefined {
    // Most spans carry none of these; one pass over the keys spares the indexed scans below.
    if (!hasKeyWithPrefix(attributes, OWN_PREFIXES)) return undefined;
    const reader = new AttributeReader(attributes);
    const result = reader.result;
    result.consumed = reader.consumed;
    const metadata = Object.create(null) as Fields;
    readAssociationProperties(reader, metadata);
    readEntity(reader, result);
    readModelCall(reader, result);
    if (!reader.consumed.length) return undefined;
    if (Object.keys(metadata).length) result.metadata = metadata;
    return result;
  },
};
