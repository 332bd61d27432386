import type { Attributes } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  EVENT_GEN_AI_ASSISTANT_MESSAGE,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  EVENT_GEN_AI_SYSTEM_MESSAGE,
  EVENT_GEN_AI_TOOL_MESSAGE,
  EVENT_GEN_AI_USER_MESSAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import { toJsonValue } from '../attribute-values.js';
import { parseJsonArray, parseJsonObject, parseJsonTolerant } from '../llm/json.js';
import { decodeChoice, decodeMessage, rawFinishReason } from '../llm/message-decoder.js';
import { chatMessage, type ChatChoice, type ChatMessage } from '../llm/messages.js';
import { contentText, finishReason, isRecord } from './genai-common.js';

// GenAI message shapes, newest first: `gen_ai.input.messages` / `gen_ai.output.messages` (parts),
// as span attributes or as attributes of the `gen_ai.client.inference.operation.details` event
// (semconv 1.37+), the per-message events of semconv 1.27–1.36, and the whole-prompt JSON of older
// releases (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/). Events arrive here
// as span events whichever signal carried them: a log record of the span is joined to it as one
// (log-record-event.ts). Inside them, content of any provider's shape goes to the one decoder
// (llm/message-decoder.ts, llm/content-blocks.ts).

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

/** One GenAI message (parts form, OpenAI form, or any provider's) as OpenAI-form messages (tool results split out). */
export function toChatMessages(raw: unknown, defaultRole = 'user'): ChatMessage[] {
  return decodeMessage(raw, defaultRole);
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

/**
 * `gen_ai.system_instructions`: a JSON list of parts (or, from some producers, plain text, or a
 * whole Gemini `Content` `{parts: [...]}`, the shape of its `system_instruction`).
 */
export function systemMessage(value: unknown): ChatMessage | undefined {
  const parsed = parseJsonTolerant(value);
  if (typeof parsed === 'string') return parsed.trim() ? chatMessage({ role: 'system', content: parsed }) : undefined;
  const parts = Array.isArray(parsed) ? parsed : isRecord(parsed) ? (Array.isArray(parsed.parts) ? parsed.parts : [parsed]) : undefined;
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

/** One output message, or a choice in any provider's shape (message-decoder.ts). */
function toChoice(raw: unknown, index: number, fallbackReason: unknown): ChatChoice {
  const choice = decodeChoice(raw, index);
  const reason = finishReason(isRecord(raw) ? rawFinishReason(raw) : undefined) ?? finishReason(fallbackReason);
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
  /**
   * The `gen_ai.client.inference.operation.details` events' message attributes (semconv 1.37+),
   * by attribute name, in event order: a producer may split them over several events.
   */
  details: Record<string, unknown[]>;
  consumed: string[];
}

/** The attributes of `gen_ai.client.inference.operation.details` that carry content, read like the span attributes of the same names. */
const DETAIL_KEYS: readonly string[] = [ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, ATTR_GEN_AI_TOOL_DEFINITIONS];

function addDetails(details: Record<string, unknown[]>, body: Record<string, unknown>): void {
  for (const key of DETAIL_KEYS) {
    if (body[key] !== undefined && body[key] !== null) (details[key] ??= []).push(body[key]);
  }
}

export function readMessageEvents(events: readonly TimedEvent[]): EventMessages {
  const result: EventMessages = { consumed: [], details: Object.create(null) as Record<string, unknown[]> };
  const messages: ChatMessage[] = [];
  const choices: ChatChoice[] = [];
  for (const event of events) {
    const body = eventBody(event.attributes ?? {});
    const role = Object.hasOwn(MESSAGE_EVENT_ROLES, event.name) ? MESSAGE_EVENT_ROLES[event.name] : undefined;
    if (role) {
      messages.push(...toChatMessages({ ...body, role: body.role ?? role }, role));
    } else if (event.name === EVENT_GEN_AI_CHOICE) {
      choices.push(toChoice(body, choices.length, undefined));
    } else if (event.name === EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS) {
      addDetails(result.details, body);
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
