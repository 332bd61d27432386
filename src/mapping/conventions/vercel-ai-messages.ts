import { parseJsonArray, parseJsonTolerant } from '../llm/json.js';
import { chatMessage, toolCall, type ChatMessage, type ChatToolCall } from '../llm/messages.js';
import { assembleMessages, contentText, imageBlock, isRecord, type MessagePieces } from './genai-common.js';

// AI SDK prompt messages (`ai.prompt.messages`, `ai.prompt`) and tool calls, v3 to v7, in
// OpenAI form. Spellings drifted: tool-call `args` → `input`, tool-result `result` → `output`
// (v5+ wraps it as `{type, value}`), `mimeType` → `mediaType`.

/** A v5+ tool-result output `{type:'text'|'json'|'error-text'|..., value}` unwrapped; v3/v4 results as they are. */
function toolResultContent(output: unknown): string {
  if (isRecord(output) && typeof output.type === 'string' && 'value' in output) return contentText(output.value);
  return contentText(output);
}

/** An image or file part as an OpenAI content block; images as `image_url`, the rest kept whole. */
function mediaBlock(part: Record<string, unknown>): Record<string, unknown> {
  const data = part.type === 'image' ? part.image : part.data;
  const mimeType = part.mediaType ?? part.mimeType;
  const isImage = part.type === 'image' || (typeof mimeType === 'string' && mimeType.startsWith('image/'));
  return isImage && typeof data === 'string' ? imageBlock(data, mimeType) : { ...part };
}

function addPart(pieces: MessagePieces, part: unknown): void {
  if (!isRecord(part)) return;
  switch (part.type) {
    case 'text':
      pieces.blocks.push({ type: 'text', text: contentText(part.text) });
      return;
    case 'reasoning':
      pieces.blocks.push({ type: 'reasoning', reasoning: contentText(part.text) });
      return;
    case 'tool-call':
      pieces.toolCalls.push(toolCall(part.toolCallId, part.toolName, part.input ?? part.args));
      return;
    case 'tool-result':
      pieces.toolResults.push(chatMessage({ role: 'tool', content: toolResultContent(part.output ?? part.result), toolCallId: part.toolCallId, name: part.toolName }));
      return;
    case 'image':
    case 'file':
      pieces.blocks.push(mediaBlock(part));
      return;
    default:
      // Approval requests, provider-specific parts, and kinds newer than this code: kept whole.
      pieces.blocks.push({ ...part });
  }
}

/** One AI SDK message: content is a string (system, simple user turns) or a list of parts. */
function sdkMessage(raw: unknown): ChatMessage[] {
  if (typeof raw === 'string') return [chatMessage({ role: 'user', content: raw })];
  if (!isRecord(raw)) return [];
  if (!Array.isArray(raw.content)) return [chatMessage({ role: raw.role, content: raw.content === undefined ? null : contentText(raw.content) })];
  const pieces: MessagePieces = { role: raw.role, blocks: [], toolCalls: [], toolResults: [] };
  for (const part of raw.content) addPart(pieces, part);
  return assembleMessages(pieces);
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
