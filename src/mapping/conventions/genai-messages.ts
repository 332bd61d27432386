import type { Attributes } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_PROMPT,
  EVENT_GEN_AI_ASSISTANT_MESSAGE,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_SYSTEM_MESSAGE,
  EVENT_GEN_AI_TOOL_MESSAGE,
  EVENT_GEN_AI_USER_MESSAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import { toJsonValue } from '../attribute-values.js';
import { parseJsonArray, parseJsonObject, parseJsonTolerant } from '../llm/json.js';
import { chatMessage, toolCall, type ChatChoice, type ChatMessage, type ChatToolCall } from '../llm/messages.js';
import { assembleMessages, contentText, finishReason, imageBlock, isRecord, type MessagePieces } from './genai-common.js';

// GenAI message shapes, newest first: `gen_ai.input.messages` / `gen_ai.output.messages` (parts),
// the per-message span events of semconv 1.27–1.36, and the whole-prompt JSON of older releases.

/** Semconv ≤ 1.26 put the whole prompt / completion on these events (not in the constants package). */
export const EVENT_GEN_AI_CONTENT_PROMPT = 'gen_ai.content.prompt';
export const EVENT_GEN_AI_CONTENT_COMPLETION = 'gen_ai.content.completion';
/** Some producers put the event body, as JSON, in this one attribute (not in the constants package). */
export const ATTR_GEN_AI_EVENT_CONTENT = 'gen_ai.event.content';

const MESSAGE_EVENT_ROLES: Readonly<Record<string, string>> = {
  [EVENT_GEN_AI_SYSTEM_MESSAGE]: 'system',
  [EVENT_GEN_AI_USER_MESSAGE]: 'user',
  [EVENT_GEN_AI_ASSISTANT_MESSAGE]: 'assistant',
  [EVENT_GEN_AI_TOOL_MESSAGE]: 'tool',
};

/** One GenAI part (`{type, content}`, `{type:'tool_call', ...}`, ...) added to the message pieces. */
function addPart(pieces: MessagePieces, part: unknown): void {
  if (typeof part === 'string') {
    pieces.blocks.push({ type: 'text', text: part });
    return;
  }
  if (!isRecord(part)) return;
  switch (part.type) {
    case 'text':
      pieces.blocks.push({ type: 'text', text: contentText(part.content ?? part.text) });
      return;
    case 'reasoning':
      pieces.blocks.push({ type: 'reasoning', reasoning: contentText(part.content) });
      return;
    case 'tool_call':
      pieces.toolCalls.push(toolCall(part.id, part.name, part.arguments));
      return;
    case 'tool_call_response':
      pieces.toolResults.push(chatMessage({ role: 'tool', content: contentText(part.response ?? part.result), toolCallId: part.id }));
      return;
    case 'uri':
    case 'blob':
      pieces.blocks.push(mediaBlock(part));
      return;
    default:
      // `file` and kinds newer than this code: kept whole so nothing is silently lost.
      pieces.blocks.push({ ...part });
  }
}

/** Images become OpenAI `image_url` blocks; other media stay as the GenAI part. */
function mediaBlock(part: Record<string, unknown>): Record<string, unknown> {
  const data = part.type === 'uri' ? part.uri : part.content;
  return part.modality === 'image' && typeof data === 'string' ? imageBlock(data, part.mime_type) : { ...part };
}

/** A message in OpenAI form already (`{role, content, tool_calls, tool_call_id}`), as older producers wrote it. */
function openAiFormMessages(raw: Record<string, unknown>): ChatMessage[] {
  const calls = parseJsonTolerant(raw.tool_calls);
  const toolCalls: ChatToolCall[] = Array.isArray(calls) ? calls.filter(isRecord).map(openAiToolCall) : [];
  return [
    chatMessage({
      role: raw.role,
      content: messageContent(raw.content),
      name: raw.name,
      toolCalls,
      toolCallId: raw.tool_call_id ?? (raw.role === 'tool' ? raw.id : undefined),
    }),
  ];
}

/** `{id, type, function: {name, arguments}}`, or the flat `{id, name, arguments}` some producers write. */
function openAiToolCall(call: Record<string, unknown>): ChatToolCall {
  const fn = isRecord(call.function) ? call.function : call;
  return toolCall(call.id, fn.name, fn.arguments);
}

/** Content as a string, or as OpenAI content blocks when it is a JSON list of typed parts. */
function messageContent(value: unknown): ChatMessage['content'] {
  if (value === undefined || value === null) return null;
  const parsed = typeof value === 'string' && value.trimStart().startsWith('[') ? parseJsonArray(value) : value;
  if (Array.isArray(parsed)) {
    if (parsed.every((item) => typeof item === 'string')) return parsed.join('');
    if (parsed.every(isRecord)) return parsed;
  }
  return contentText(value);
}

/** One GenAI message (parts form or OpenAI form) as OpenAI-form messages (tool results split out). */
export function toChatMessages(raw: unknown, defaultRole = 'user'): ChatMessage[] {
  if (typeof raw === 'string') return [chatMessage({ role: defaultRole, content: raw })];
  if (!isRecord(raw)) return [];
  const parts = parseJsonTolerant(raw.parts);
  if (!Array.isArray(parts)) return openAiFormMessages({ role: defaultRole, ...raw });
  const pieces: MessagePieces = { role: raw.role ?? defaultRole, name: raw.name, blocks: [], toolCalls: [], toolResults: [] };
  for (const part of parts) addPart(pieces, part);
  return assembleMessages(pieces);
}

/** Plain text (older producers' `gen_ai.prompt` / `gen_ai.completion`), not JSON that failed to parse. */
function isPlainText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && !/^\s*[[{]/.test(value);
}

/** A JSON list of messages (`gen_ai.input.messages`, `gen_ai.prompt`) as OpenAI-form messages. */
export function messageList(value: unknown): ChatMessage[] | undefined {
  const list = parseJsonTolerant(value);
  if (isPlainText(list)) return toChatMessages(list);
  if (!Array.isArray(list)) return undefined;
  const messages = list.flatMap((raw) => toChatMessages(raw));
  return messages.length ? messages : undefined;
}

/** `gen_ai.system_instructions`: a JSON list of parts (or, from some producers, plain text). */
export function systemMessage(value: unknown): ChatMessage | undefined {
  const parsed = parseJsonTolerant(value);
  if (typeof parsed === 'string') return parsed.trim() ? chatMessage({ role: 'system', content: parsed }) : undefined;
  const parts = Array.isArray(parsed) ? parsed : isRecord(parsed) ? [parsed] : undefined;
  if (!parts?.length) return undefined;
  return toChatMessages({ role: 'system', parts })[0];
}

/** Output messages (`[{role, parts, finish_reason}]`) as choices; `finishReasons` fills reasons the messages lack. */
export function choiceList(value: unknown, finishReasons: readonly unknown[] = []): ChatChoice[] | undefined {
  const list = parseJsonTolerant(value);
  if (isPlainText(list)) return [{ index: 0, message: chatMessage({ role: 'assistant', content: list }) }];
  if (!Array.isArray(list)) return undefined;
  const choices = list.filter((raw) => isRecord(raw) || typeof raw === 'string').map((raw, index) => toChoice(raw, index, finishReasons[index]));
  return choices.length ? choices : undefined;
}

/** One output message, or an already OpenAI-shaped choice (`{index, message, finish_reason}`). */
function toChoice(raw: unknown, index: number, fallbackReason: unknown): ChatChoice {
  const record = isRecord(raw) ? raw : { content: raw };
  const source = isRecord(record.message) ? record.message : record;
  const message = toChatMessages(source, 'assistant').find((m) => m.role !== 'tool') ?? chatMessage({ role: 'assistant' });
  const choice: ChatChoice = { index: typeof record.index === 'number' ? record.index : index, message };
  const reason = finishReason(record.finish_reason) ?? finishReason(fallbackReason);
  if (reason) choice.finish_reason = reason;
  return choice;
}

/** A completion-style choice (`text_completion`): `{index, text, finish_reason}`. */
export function textChoice(choice: ChatChoice): ChatChoice {
  const content = choice.message?.content;
  const text = typeof content === 'string' ? content : contentText(content);
  return choice.finish_reason ? { index: choice.index, text, finish_reason: choice.finish_reason } : { index: choice.index, text };
}

/** An event's body: the JSON in `gen_ai.event.content` when given, else its attributes (JSON values parsed). */
function eventBody(attributes: Attributes): Record<string, unknown> {
  const whole = parseJsonObject(attributes[ATTR_GEN_AI_EVENT_CONTENT]);
  if (whole) return whole;
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(attributes)) {
    const value = toJsonValue(attributes[key]);
    // `content` stays text unless it is a list of parts; structured fields were JSON-encoded.
    body[key] = key === 'content' ? value : parseJsonTolerant(value);
  }
  return body;
}

/** What the GenAI span events say, and which event names were used. */
export interface EventMessages {
  messages?: ChatMessage[];
  choices?: ChatChoice[];
  prompt?: unknown;
  completion?: unknown;
  consumed: string[];
}

export function readMessageEvents(events: readonly TimedEvent[]): EventMessages {
  const result: EventMessages = { consumed: [] };
  const messages: ChatMessage[] = [];
  const choices: ChatChoice[] = [];
  for (const event of events) {
    const body = eventBody(event.attributes ?? {});
    const role = Object.hasOwn(MESSAGE_EVENT_ROLES, event.name) ? MESSAGE_EVENT_ROLES[event.name] : undefined;
    if (role) {
      messages.push(...toChatMessages({ ...body, role: body.role ?? role }, role));
    } else if (event.name === EVENT_GEN_AI_CHOICE) {
      choices.push(toChoice(body, choices.length, undefined));
    } else if (event.name === EVENT_GEN_AI_CONTENT_PROMPT) {
      result.prompt = body[ATTR_GEN_AI_PROMPT];
    } else if (event.name === EVENT_GEN_AI_CONTENT_COMPLETION) {
      result.completion = body[ATTR_GEN_AI_COMPLETION];
    } else {
      continue;
    }
    if (!result.consumed.includes(event.name)) result.consumed.push(event.name);
  }
  if (messages.length) result.messages = messages;
  if (choices.length) result.choices = choices;
  return result;
}
