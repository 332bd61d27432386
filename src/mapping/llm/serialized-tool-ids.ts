import { parseJsonTolerant } from './json.js';
import type { ChatMessage } from './messages.js';

// Tool-call ids that only the serialized copy of a call keeps. Some instrumentations flatten
// messages into indexed attributes without the ids (OpenInference's LangChain instrumentation,
// @arizeai/openinference-instrumentation-langchain src/utils.ts `parseMessage`: role, content,
// function name and arguments only) while `input.value` / `output.value` hold the same messages
// serialized whole. Without the ids LangSmith cannot pair a tool call with its result. Shapes read:
//
// - LangChain's serialized messages (`lc` constructor form `{lc, type, id: [..., "AIMessage"],
//   kwargs: {...}}`, or the plain dict form of `message.dict()` / `message_to_dict`): the ids in
//   `tool_calls[].id` or `additional_kwargs.tool_calls[].id`, a tool result's in `tool_call_id`;
//   run inputs `{messages: [[...]]}` (a batch: the first list is the call's), outputs
//   `{generations: [[{message}]]}` (langchain_core ChatGeneration / LLMResult).
// - OpenAI's request and response bodies: `{messages: [...]}`, `{choices: [{message}]}`.
//
// Messages are paired by position, and only when both lists have the same length; a call is given
// an id only when the serialized call at its position has the same function name.

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A serialized message's own fields: the `kwargs` of LangChain's constructor form, else itself. */
function fieldsOf(message: unknown): Json | undefined {
  if (!isRecord(message)) return undefined;
  return message.lc !== undefined && isRecord(message.kwargs) ? message.kwargs : message;
}

/** The serialized input messages of a call (`{messages: [[...]]}` or `{messages: [...]}`). */
export function serializedInputMessages(value: unknown): Array<Json | undefined> | undefined {
  const parsed = parseJsonTolerant(value);
  if (!isRecord(parsed) || !Array.isArray(parsed.messages)) return undefined;
  const first = parsed.messages[0];
  const list = Array.isArray(first) ? first : parsed.messages;
  return list.map(fieldsOf);
}

/** The serialized output messages of a call (`{generations: [[{message}]]}` or `{choices: [{message}]}`). */
export function serializedOutputMessages(value: unknown): Array<Json | undefined> | undefined {
  const parsed = parseJsonTolerant(value);
  if (!isRecord(parsed)) return undefined;
  const generations = Array.isArray(parsed.generations) && Array.isArray(parsed.generations[0]) ? (parsed.generations[0] as unknown[]) : undefined;
  const list = generations ?? (Array.isArray(parsed.choices) ? parsed.choices : undefined);
  return list?.map((entry) => (isRecord(entry) ? fieldsOf(entry.message) : undefined));
}

/** `[id, name]` of each tool call a serialized message made. */
function serializedCalls(message: Json): Array<[id: unknown, name: unknown]> {
  const own = Array.isArray(message.tool_calls) ? message.tool_calls : undefined;
  const extra = isRecord(message.additional_kwargs) && Array.isArray(message.additional_kwargs.tool_calls) ? message.additional_kwargs.tool_calls : undefined;
  const calls = own?.length ? own : (extra ?? []);
  return calls.map((call) => (isRecord(call) ? [call.id, call.name ?? (isRecord(call.function) ? call.function.name : undefined)] : [undefined, undefined]));
}

/** Whether any message lacks a tool-call id it should have (only then is the serialized copy parsed). */
export function lacksToolCallIds(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => (m.role === 'tool' && m.tool_call_id === undefined) || m.tool_calls?.some((call) => call.id === undefined));
}

const idText = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Fills the tool-call ids (and tool results' `tool_call_id`) that `messages` lack from their
 * serialized copies, in place; returns how many it filled.
 */
export function fillToolCallIds(messages: readonly ChatMessage[], serialized: ReadonlyArray<Json | undefined> | undefined): number {
  if (!serialized || serialized.length !== messages.length) return 0;
  let filled = 0;
  messages.forEach((message, index) => {
    const source = serialized[index];
    if (!source) return;
    if (message.role === 'tool' && message.tool_call_id === undefined) {
      const id = idText(source.tool_call_id);
      if (id) {
        message.tool_call_id = id;
        filled++;
      }
    }
    if (!message.tool_calls?.length) return;
    const calls = serializedCalls(source);
    if (calls.length !== message.tool_calls.length) return;
    message.tool_calls.forEach((call, i) => {
      const [id, name] = calls[i]!;
      if (call.id !== undefined || !idText(id) || (typeof name === 'string' && name !== call.function.name)) return;
      call.id = idText(id);
      filled++;
    });
  });
  return filled;
}
