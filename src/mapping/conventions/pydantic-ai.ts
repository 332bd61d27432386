import { parseJsonArray, parseJsonTolerant } from '../llm/json.js';
import type { ChatMessage } from '../llm/messages.js';
import { AttributeReader, isRecord, type Fields } from './attribute-reader.js';
import { asRecord } from './genai-common.js';
import { messageList, systemMessage, toChatMessages } from './genai-messages.js';
import type { Convention, ConventionResult, SpanView } from './types.js';

// Pydantic AI's instrumentation and Logfire, under their own names. Their model-request spans are
// GenAI spans (`gen_ai.input.messages`, `gen_ai.usage.details.*`) and are read by the GenAI
// convention; what is theirs alone is the agent run's conversation and result, the tool spans of
// instrumentation version 1, and Logfire's whole-call attributes.
export const PYDANTIC_AI_ALL_MESSAGES = 'pydantic_ai.all_messages';
export const PYDANTIC_AI_FINAL_RESULT = 'final_result';
/** Tool spans of instrumentation version 1 (version 2 writes `gen_ai.tool.call.arguments` / `.result`). */
export const PYDANTIC_AI_TOOL_ARGUMENTS = 'tool_arguments';
export const PYDANTIC_AI_TOOL_RESPONSE = 'tool_response';
/** Logfire marks every span it makes with these. */
export const LOGFIRE_MESSAGE = 'logfire.msg';
export const LOGFIRE_JSON_SCHEMA = 'logfire.json_schema';
/** Logfire's older whole-call attributes: the conversation as GenAI events, the request's prompt, its tools. */
export const LOGFIRE_ALL_MESSAGES_EVENTS = 'all_messages_events';
export const LOGFIRE_EVENTS = 'events';
export const LOGFIRE_PROMPT = 'prompt';
export const LOGFIRE_TOOLS = 'tools';
export const GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';

const CHOICE_EVENT = 'gen_ai.choice';

/** Names that are generic words (`prompt`, `events`, `tools`): read only on spans Logfire or Pydantic AI made. */
function isTheirs(reader: AttributeReader): boolean {
  return reader.has(LOGFIRE_MESSAGE) || reader.has(LOGFIRE_JSON_SCHEMA) || reader.has(PYDANTIC_AI_ALL_MESSAGES);
}

/**
 * A conversation split where the agent was last asked something: what it was given (up to and
 * including the last user message) and what it did with it (tool calls, tool results, its answer).
 */
function splitAtLastUserMessage(messages: readonly ChatMessage[]): [given: ChatMessage[], done: ChatMessage[]] {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      last = i;
      break;
    }
  }
  return [messages.slice(0, last + 1), messages.slice(last + 1)];
}

/** The agent run: its conversation in, its final result (and the turns that led there) out. */
function readAgentRun(reader: AttributeReader): void {
  const conversation = reader.take(PYDANTIC_AI_ALL_MESSAGES, messageList);
  if (!conversation) return;
  const system = reader.take(GEN_AI_SYSTEM_INSTRUCTIONS, systemMessage);
  const [given, done] = splitAtLastUserMessage(conversation);
  reader.result.inputs = { messages: system ? [system, ...given] : given };
  const outputs: Fields = {};
  const result = reader.take(PYDANTIC_AI_FINAL_RESULT, (value) => parseJsonTolerant(value));
  if (result !== undefined) outputs.output = result;
  if (done.length) outputs.messages = done;
  reader.result.outputs = outputs;
}

/** Tool spans of instrumentation version 1. */
function readTool(reader: AttributeReader): void {
  const inputs = reader.take(PYDANTIC_AI_TOOL_ARGUMENTS, (value) => asRecord(value, 'input'));
  if (inputs) reader.result.inputs = inputs;
  const outputs = reader.take(PYDANTIC_AI_TOOL_RESPONSE, (value) => asRecord(value, 'output'));
  if (outputs) reader.result.outputs = outputs;
}

/** One Logfire event (`{event.name, role, content, ...}`) as OpenAI-form messages. */
function eventMessages(event: unknown): ChatMessage[] {
  if (!isRecord(event)) return [];
  const name = typeof event['event.name'] === 'string' ? event['event.name'] : '';
  const role = event.role ?? (name.startsWith('gen_ai.') ? name.split('.')[1] : undefined);
  const body = isRecord(event.message) ? { role, ...event.message } : { ...event, role };
  return toChatMessages(body, typeof role === 'string' ? role : 'user');
}

function isChoice(event: unknown): boolean {
  return isRecord(event) && event['event.name'] === CHOICE_EVENT;
}

/** Logfire's older model-request attributes, for what the GenAI convention found nothing of. */
function readLogfireCall(reader: AttributeReader): void {
  const events = reader.take(LOGFIRE_ALL_MESSAGES_EVENTS, parseJsonArray) ?? reader.take(LOGFIRE_EVENTS, parseJsonArray);
  if (events) {
    const given = events.filter((event) => !isChoice(event)).flatMap(eventMessages);
    const answers = events.filter(isChoice).flatMap(eventMessages);
    if (given.length) reader.result.inputs = { messages: given };
    if (answers.length) reader.result.outputs = { choices: answers.map((message, index) => ({ index, message })) };
  }
  const prompt = reader.take(LOGFIRE_PROMPT, (value) => (value === null || value === '' ? undefined : parseJsonTolerant(value)));
  if (prompt !== undefined && !reader.result.inputs) reader.result.inputs = isRecord(prompt) ? prompt : { input: prompt };
  const tools = reader.take(LOGFIRE_TOOLS, parseJsonArray);
  if (tools) reader.result.invocationParams = { tools };
}

export const pydanticAiConvention: Convention = {
  id: 'pydantic-ai',
  keyStarts: [PYDANTIC_AI_ALL_MESSAGES, LOGFIRE_MESSAGE, LOGFIRE_JSON_SCHEMA],
  read({ attributes }: SpanView): ConventionResult | undefined {
    const reader = new AttributeReader(attributes);
    if (!isTheirs(reader)) return undefined;
    readAgentRun(reader);
    readTool(reader);
    readLogfireCall(reader);
    return reader.finish();
  },
};
