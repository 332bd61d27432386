import { parseJsonArray, parseJsonTolerant } from '../llm/json.js';
import { decodeMessage } from '../llm/message-decoder.js';
import { chatMessage, toolCall, type ChatMessage, type ChatToolCall } from '../llm/messages.js';
import { contentText, isRecord } from './genai-common.js';

// AI SDK prompt messages (`ai.prompt.messages`, `ai.prompt`) and tool calls, v3 to v7, in
// OpenAI form. Spellings drifted: tool-call `args` → `input`, tool-result `result` → `output`
// (v5+ wraps it as `{type, value}`), `mimeType` → `mediaType`.

/**
 * One AI SDK message: content is a string (system, simple user turns) or a list of parts, which
 * the one content decoder (llm/content-blocks.ts) knows along with every other provider's parts.
 */
function sdkMessage(raw: unknown): ChatMessage[] {
  return decodeMessage(raw, 'user');
}

/** `ai.prompt.messages` (JSON list of messages) in OpenAI form; undefined when it does not parse. */
export function sdkMessages(value: unknown): ChatMessage[] | undefined {
  const list = parseJsonArray(value);
  return list ? list.flatMap(sdkMessage) : undefined;
}

/**
 * The outer spans' `ai.prompt`: JSON `{system, prompt, messages}`. `system` may be text or, in
 * newer versions, system messages; `prompt` text or a message list.
 */
export function outerPromptMessages(value: unknown): ChatMessage[] | undefined {
  const prompt = parseJsonTolerant(value);
  if (typeof prompt === 'string') return [chatMessage({ role: 'user', content: prompt })];
  if (!isRecord(prompt)) return undefined;
  const messages: ChatMessage[] = [];
  const systems = Array.isArray(prompt.system) ? prompt.system : prompt.system === undefined || prompt.system === null ? [] : [prompt.system];
  for (const system of systems) messages.push(...(isRecord(system) ? sdkMessage({ role: 'system', ...system }) : [chatMessage({ role: 'system', content: contentText(system) })]));
  for (const field of [prompt.prompt, prompt.messages]) {
    if (Array.isArray(field)) messages.push(...field.flatMap(sdkMessage));
    else if (typeof field === 'string') messages.push(chatMessage({ role: 'user', content: field }));
  }
  return messages;
}

/** `ai.response.toolCalls` / `ai.result.toolCalls`: `[{toolCallId, toolName, input|args}]`, arguments already JSON text. */
export function sdkToolCalls(value: unknown): ChatToolCall[] | undefined {
  const list = parseJsonArray(value);
  if (!list) return undefined;
  return list.filter(isRecord).map((call) => toolCall(call.toolCallId, call.toolName, call.input ?? call.args));
}

/** `ai.prompt.tools` (one JSON string per tool) as OpenAI tool definitions where they are function tools. */
export function sdkTools(value: unknown): unknown[] | undefined {
  const list = Array.isArray(value) ? value : parseJsonArray(value);
  if (!list) return undefined;
  return list.map((item) => {
    const tool = parseJsonTolerant(item);
    if (!isRecord(tool) || tool.type !== 'function') return tool;
    const fn: Record<string, unknown> = { name: tool.name };
    if (tool.description !== undefined) fn.description = tool.description;
    fn.parameters = tool.inputSchema ?? tool.parameters ?? {};
    return { type: 'function', function: fn };
  });
}
