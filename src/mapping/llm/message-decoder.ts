import { addContentBlock, assembleMessages, blockList, contentText, isContentBlock, isRecord, newPieces, type MessagePieces } from './content-blocks.js';
import { parseJsonTolerant } from './json.js';
import { chatMessage, normalizeRole, toolCall, type ChatChoice, type ChatMessage, type ChatToolCall } from './messages.js';

// One message, or one output choice, of any provider's shape as OpenAI-form messages. The
// message-level fields differ little between the shapes (content blocks go to content-blocks.ts):
// - GenAI `{role, parts, name?}` (input/output message JSON schemas, semconv 1.37+), and, as some
//   producers write it, `tool_calls` / `tool_call_id` beside `parts`;
// - GenAI message events' bodies, semconv 1.27–1.36 (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/):
//   `{content, tool_calls?}` (`gen_ai.assistant.message`), `{content, id}` (`gen_ai.tool.message`:
//   `id` is the tool call's), `{index, finish_reason, message: {role?, content, tool_calls?}}` (`gen_ai.choice`);
// - OpenAI chat messages `{role, content, name?, tool_calls?, tool_call_id?, function_call?}`;
// - Anthropic and Bedrock Converse messages `{role, content: string | blocks}`, Gemini `Content`
//   `{role: 'user'|'model', parts}`;
// - choices: OpenAI `{index, message, finish_reason}`, Bedrock Converse responses `{output: {message},
//   stopReason}`, Gemini candidates `{content: {role, parts}, finishReason}`, and a `message` that is
//   just the content (a string or a block list), as some `gen_ai.choice` events carry it (the
//   Google GenAI instrumentation writes the candidate's `content: {role, parts}` there).

/** `{id, type, function: {name, arguments}}`, or the flat `{id, name, arguments}` some producers write. */
export function openAiToolCall(call: Record<string, unknown>): ChatToolCall {
  const fn = isRecord(call.function) ? call.function : call;
  return toolCall(call.id, fn.name, fn.arguments ?? fn.input ?? fn.args);
}

/** The parts of a Gemini `Content` (`{role?, parts: [...]}`, or its JSON) given as a message's content. */
function contentParts(value: unknown): unknown[] | undefined {
  const parsed = typeof value === 'string' && value.trimStart().startsWith('{') ? parseJsonTolerant(value) : value;
  return isRecord(parsed) && Array.isArray(parsed.parts) ? blockList(parsed.parts) : undefined;
}

/** A `content` value (text, a list of parts, the JSON of one, a Gemini Content, a single block) added to the pieces. */
export function addContent(pieces: MessagePieces, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    pieces.blocks.push({ type: 'text', text: value.join('') });
    return;
  }
  const list = blockList(value) ?? contentParts(value);
  if (list) {
    for (const item of list) addContentBlock(pieces, item);
    return;
  }
  if (isContentBlock(value)) addContentBlock(pieces, value);
  else pieces.blocks.push({ type: 'text', text: contentText(value) });
}

/** One source message as OpenAI-form messages (tool results split out as `tool` messages). */
export function decodeMessage(raw: unknown, defaultRole = 'user'): ChatMessage[] {
  if (typeof raw === 'string') return [chatMessage({ role: defaultRole, content: raw })];
  if (!isRecord(raw)) return [];
  const role = raw.role ?? defaultRole;
  const ownId = raw.tool_call_id ?? raw.toolCallId ?? (normalizeRole(role) === 'tool' ? raw.id : undefined);
  const pieces = newPieces(role, raw.name, ownId);
  const parts = parseJsonTolerant(raw.parts);
  if (Array.isArray(parts)) for (const part of parts) addContentBlock(pieces, part);
  addContent(pieces, raw.content);
  const calls = parseJsonTolerant(raw.tool_calls);
  if (Array.isArray(calls)) pieces.toolCalls.push(...calls.filter(isRecord).map(openAiToolCall));
  // OpenAI's deprecated single `function_call` is a tool call without an id.
  const fn = parseJsonTolerant(raw.function_call);
  if (isRecord(fn)) pieces.toolCalls.push(toolCall(undefined, fn.name, fn.arguments));
  return assembleMessages(pieces);
}

/** The message inside a choice-like record, or undefined when the record is the message itself. */
function innerMessage(record: Record<string, unknown>): unknown {
  if (record.message !== undefined && record.message !== null) return record.message;
  if (isRecord(record.output) && isRecord(record.output.message)) return record.output.message;
  // A Gemini candidate's `content`; as an event attribute it is JSON text.
  const content = typeof record.content === 'string' && record.content.trimStart().startsWith('{') ? parseJsonTolerant(record.content) : record.content;
  if (isRecord(content) && Array.isArray(content.parts)) return content;
  return undefined;
}

/** The finish reason a choice-like record gives, in any of its spellings. */
export function rawFinishReason(record: Record<string, unknown>): unknown {
  return record.finish_reason ?? record.finishReason ?? record.stopReason ?? record.stop_reason;
}

/**
 * One output choice-like value as `{index, message}` (the finish reason is the caller's, which
 * normalizes it). The model speaks unless the message says otherwise.
 */
export function decodeChoice(raw: unknown, index: number): ChatChoice {
  const record = isRecord(raw) ? raw : { message: raw };
  const inner = innerMessage(record);
  const source = isRecord(inner) ? inner : inner !== undefined ? { role: 'assistant', content: inner, tool_calls: record.tool_calls } : record;
  const messages = decodeMessage(source, 'assistant');
  const message = messages.find((m) => m.role !== 'tool') ?? messages[0] ?? chatMessage({ role: 'assistant' });
  return { index: typeof record.index === 'number' ? record.index : index, message };
}
