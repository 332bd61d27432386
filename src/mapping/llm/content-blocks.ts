import { parseJsonTolerant } from './json.js';
import { chatMessage, toolCall, type ChatMessage, type ChatToolCall } from './messages.js';

// The one decoder of message content. Every convention hands its content parts here, whatever
// provider shaped them, and gets OpenAI-form pieces back: text / `image_url` / reasoning blocks,
// tool calls with their ids, tool results as `role: 'tool'` messages with `tool_call_id` (what
// LangSmith renders as message cards; see shared/reference/conventions.md, "LangSmith's target shapes").
//
// Shapes are recognised by their keys, never by who produced them:
// - OTel GenAI parts, `{type: 'text'|'reasoning'|'tool_call'|'tool_call_response'|'uri'|'blob'|'file', ...}`:
//   the input/output message JSON schemas,
//   https://github.com/open-telemetry/semantic-conventions/blob/main/docs/gen-ai/gen-ai-input-messages.json
//   (and gen-ai-output-messages.json, gen-ai-system-instructions.json).
// - OpenAI Chat Completions content parts `{type:'text', text}`, `{type:'image_url', image_url:{url}}`,
//   `input_audio`, `file`, `refusal` (https://platform.openai.com/docs/api-reference/chat/create) and
//   Responses API items `input_text` / `output_text` / `input_image` / `function_call` /
//   `function_call_output` / `reasoning` (https://platform.openai.com/docs/api-reference/responses/create).
// - Anthropic Messages content blocks `text`, `image` {source: base64|url}, `tool_use` {id, name, input},
//   `tool_result` {tool_use_id, content, is_error}, `thinking` / `redacted_thinking`, `server_tool_use`
//   (https://docs.anthropic.com/en/api/messages).
// - Amazon Bedrock Converse `ContentBlock` unions, one key each: `text`, `image` {format, source:{bytes}},
//   `toolUse` {toolUseId, name, input}, `toolResult` {toolUseId, content:[{text}|{json}|...], status},
//   `reasoningContent` {reasoningText:{text}}, `document`, `video`, `cachePoint`
//   (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html).
// - Google Gemini `Part`s, camelCase (REST) or snake_case (Python SDK dumps): `text` (+ `thought: true`
//   for reasoning), `functionCall` {name, args, id?}, `functionResponse` {name, response, id?},
//   `inlineData` {mimeType, data}, `fileData` {mimeType, fileUri}
//   (https://ai.google.dev/api/caching#Part).
// - Vercel AI SDK prompt parts `text`, `reasoning`, `tool-call`, `tool-result`, `image`, `file`, v3–v7
//   (https://ai-sdk.dev/docs/reference/ai-sdk-core/generate-text, `ModelMessage`): `args` → `input`,
//   `result` → `output` (v5+ `{type, value}`), `mimeType` → `mediaType`.
// Anything else is kept whole as a block, so nothing is silently lost.

/** What one source message holds, before it becomes OpenAI-form messages. */
export interface MessagePieces {
  role: unknown;
  name?: unknown;
  /** The message's own `tool_call_id` when it is itself a tool result (OpenAI form, GenAI tool events). */
  toolCallId?: unknown;
  blocks: Array<Record<string, unknown>>;
  toolCalls: ChatToolCall[];
  /** Tool results carried inside the message (GenAI, Anthropic, Bedrock, Gemini and the AI SDK put them in parts). */
  toolResults: ChatMessage[];
}

export function newPieces(role: unknown, name?: unknown, toolCallId?: unknown): MessagePieces {
  return { role, name, toolCallId, blocks: [], toolCalls: [], toolResults: [] };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message content as text: tool results and structured values become JSON. */
export function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/** A content block (OpenAI form) for an image given as URL, data URL or bare base64. */
export function imageBlock(data: string, mimeType: unknown): Record<string, unknown> {
  const isUrl = /^(https?:|data:|gs:|s3:)/i.test(data);
  const url = isUrl ? data : `data:${typeof mimeType === 'string' && mimeType ? mimeType : 'image/png'};base64,${data}`;
  return { type: 'image_url', image_url: { url } };
}

/** Bytes that serialized as base64 (not a placeholder such as `<replaced>` that some producers write). */
function isBase64(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && /^[A-Za-z0-9+/=\r\n_-]+$/.test(value);
}

const isImageMime = (mime: unknown): boolean => typeof mime === 'string' && mime.toLowerCase().startsWith('image/');

/** Keys that make a record without `type` one of the key-tagged unions (Bedrock blocks, Gemini parts). */
const KEYED_BLOCKS = [
  'text',
  'toolUse',
  'toolResult',
  'image',
  'document',
  'video',
  'reasoningContent',
  'cachePoint',
  'guardContent',
  'citationsContent',
  'functionCall',
  'functionResponse',
  'function_call',
  'function_response',
  'inlineData',
  'inline_data',
  'fileData',
  'file_data',
  'executableCode',
  'executable_code',
  'codeExecutionResult',
  'code_execution_result',
  'json', // Bedrock tool-result content
];

/** Whether a value is one content block of a known family (typed, or key-tagged). */
export function isContentBlock(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  if (typeof value.type === 'string') return true;
  return KEYED_BLOCKS.some((key) => Object.hasOwn(value, key));
}

/**
 * A content value as a list of blocks when it is one (a list, or the JSON text of a list, of
 * strings and blocks), else undefined. Text that only looks like JSON stays text.
 */
export function blockList(value: unknown): unknown[] | undefined {
  const parsed = typeof value === 'string' && value.trimStart().startsWith('[') ? parseJsonTolerant(value) : value;
  if (!Array.isArray(parsed)) return undefined;
  return parsed.every((item) => typeof item === 'string' || isContentBlock(item)) ? parsed : undefined;
}

/** Plain text when every block is text (what LangSmith renders best), else the block list. */
export function contentOfBlocks(blocks: ReadonlyArray<Record<string, unknown>>): ChatMessage['content'] {
  if (!blocks.length) return null;
  if (blocks.every((block) => block.type === 'text' && typeof block.text === 'string')) {
    return blocks.map((block) => block.text as string).join('\n');
  }
  return [...blocks];
}

/**
 * A tool result's content (Anthropic `content`, Bedrock `content: [{text}|{json}]`, Gemini
 * `response`, GenAI `response`, AI SDK `{type, value}`) as OpenAI tool-message content: text
 * when it is all text, else blocks; structured values as JSON text.
 */
export function toolResultContent(value: unknown): ChatMessage['content'] {
  if (isRecord(value) && typeof value.type === 'string' && 'value' in value && Object.keys(value).length === 2) {
    return contentText(value.value); // AI SDK v5+ tool output `{type: 'text'|'json'|..., value}`
  }
  const list = blockList(value);
  if (!list) return contentText(value);
  const pieces = newPieces('tool');
  for (const item of list) addContentBlock(pieces, item);
  return contentOfBlocks(pieces.blocks) ?? '';
}

function toolResult(pieces: MessagePieces, id: unknown, content: unknown, name?: unknown): void {
  pieces.toolResults.push(chatMessage({ role: 'tool', content: toolResultContent(content), toolCallId: id, name }));
}

function text(pieces: MessagePieces, value: unknown): void {
  pieces.blocks.push({ type: 'text', text: contentText(value) });
}

function reasoning(pieces: MessagePieces, value: unknown): void {
  pieces.blocks.push({ type: 'reasoning', reasoning: contentText(value) });
}

/** Summary texts of an OpenAI Responses `reasoning` item. */
function summaryText(summary: unknown): string | undefined {
  if (!Array.isArray(summary)) return undefined;
  return summary.map((item) => (isRecord(item) ? contentText(item.text) : contentText(item))).join('\n');
}

/** Blocks with a string `type`: GenAI parts, OpenAI, Anthropic and AI SDK parts. */
function addTypedBlock(pieces: MessagePieces, block: Record<string, unknown>): void {
  switch (block.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      text(pieces, block.content ?? block.text);
      return;
    case 'reasoning':
      reasoning(pieces, block.content ?? block.text ?? summaryText(block.summary));
      return;
    case 'thinking':
      reasoning(pieces, block.thinking);
      return;
    case 'tool_call': // GenAI
      pieces.toolCalls.push(toolCall(block.id, block.name, block.arguments));
      return;
    case 'function_call': // OpenAI Responses
      pieces.toolCalls.push(toolCall(block.call_id ?? block.id, block.name, block.arguments));
      return;
    case 'tool_use': // Anthropic
    case 'server_tool_use':
      pieces.toolCalls.push(toolCall(block.id, block.name, block.input));
      return;
    case 'tool-call': // AI SDK
      pieces.toolCalls.push(toolCall(block.toolCallId, block.toolName, block.input ?? block.args));
      return;
    case 'tool_call_response': // GenAI
      toolResult(pieces, block.id, block.response ?? block.result);
      return;
    case 'function_call_output': // OpenAI Responses
      toolResult(pieces, block.call_id, block.output);
      return;
    case 'tool_result': // Anthropic
      toolResult(pieces, block.tool_use_id, block.content);
      return;
    case 'tool-result': // AI SDK
      toolResult(pieces, block.toolCallId, block.output ?? block.result, block.toolName);
      return;
    case 'input_image': // OpenAI Responses: image_url is the URL itself
      pieces.blocks.push(typeof block.image_url === 'string' ? imageBlock(block.image_url, undefined) : { ...block });
      return;
    case 'image':
      pieces.blocks.push(typedImage(block));
      return;
    case 'uri':
    case 'blob':
    case 'file':
      pieces.blocks.push(mediaPart(block));
      return;
    default:
      // `image_url`, `input_audio`, `refusal`, `redacted_thinking`, `document`, and kinds newer
      // than this code: OpenAI form already, or kept whole so nothing is silently lost.
      pieces.blocks.push({ ...block });
  }
}

/** Anthropic `image` {source: {type: base64|url}} or AI SDK `image` {image, mediaType}. */
function typedImage(block: Record<string, unknown>): Record<string, unknown> {
  const source = block.source;
  if (isRecord(source)) {
    if (source.type === 'base64' && isBase64(source.data)) return imageBlock(source.data, source.media_type);
    if (source.type === 'url' && typeof source.url === 'string') return imageBlock(source.url, undefined);
    return { ...block };
  }
  return typeof block.image === 'string' ? imageBlock(block.image, block.mediaType ?? block.mimeType) : { ...block };
}

/** GenAI `uri` / `blob` / `file` parts and AI SDK `file` parts: images as `image_url`, the rest whole. */
function mediaPart(part: Record<string, unknown>): Record<string, unknown> {
  const data = part.type === 'uri' ? part.uri : part.type === 'blob' ? part.content : (part.data ?? part.content);
  const mime = part.mime_type ?? part.mediaType ?? part.mimeType;
  const isImage = part.modality === 'image' || isImageMime(mime);
  return isImage && typeof data === 'string' ? imageBlock(data, mime) : { ...part };
}

/** Key-tagged unions: Bedrock Converse content blocks and Gemini parts. */
function addKeyedBlock(pieces: MessagePieces, block: Record<string, unknown>): void {
  if (typeof block.text === 'string') {
    if (block.thought === true) reasoning(pieces, block.text);
    else text(pieces, block.text);
    return;
  }
  const toolUse = block.toolUse;
  if (isRecord(toolUse)) return void pieces.toolCalls.push(toolCall(toolUse.toolUseId, toolUse.name, toolUse.input));
  const result = block.toolResult;
  if (isRecord(result)) return toolResult(pieces, result.toolUseId, result.content);
  const call = block.functionCall ?? block.function_call;
  if (isRecord(call)) return void pieces.toolCalls.push(toolCall(call.id, call.name, call.args));
  const response = block.functionResponse ?? block.function_response;
  if (isRecord(response)) return toolResult(pieces, response.id, response.response, response.name);
  const reasoningContent = block.reasoningContent;
  if (isRecord(reasoningContent) && isRecord(reasoningContent.reasoningText)) return reasoning(pieces, reasoningContent.reasoningText.text);
  const image = block.image;
  if (isRecord(image) && isRecord(image.source) && isBase64(image.source.bytes)) {
    return void pieces.blocks.push(imageBlock(image.source.bytes, typeof image.format === 'string' ? `image/${image.format}` : undefined));
  }
  const inline = block.inlineData ?? block.inline_data;
  if (isRecord(inline)) {
    const mime = inline.mimeType ?? inline.mime_type;
    return void pieces.blocks.push(isImageMime(mime) && isBase64(inline.data) ? imageBlock(inline.data, mime) : { ...block });
  }
  const file = block.fileData ?? block.file_data;
  if (isRecord(file)) {
    const mime = file.mimeType ?? file.mime_type;
    const uri = file.fileUri ?? file.file_uri;
    return void pieces.blocks.push(isImageMime(mime) && typeof uri === 'string' ? imageBlock(uri, mime) : { ...block });
  }
  // Bedrock `json` inside tool results, `document`, `video`, `cachePoint`, Gemini code execution, ...
  if ('json' in block && Object.keys(block).length === 1) return text(pieces, contentText(block.json));
  pieces.blocks.push({ ...block });
}

/** One content block of any known family added to the message pieces. */
export function addContentBlock(pieces: MessagePieces, block: unknown): void {
  if (typeof block === 'string') return text(pieces, block);
  if (!isRecord(block)) return;
  if (typeof block.type === 'string') addTypedBlock(pieces, block);
  else addKeyedBlock(pieces, block);
}

/**
 * OpenAI-form messages for one source message. OpenAI wants each tool result as its own `tool`
 * message right after the assistant's calls, so results come first and the message itself only
 * when it has something besides them.
 */
export function assembleMessages(pieces: MessagePieces): ChatMessage[] {
  const hasOwnContent = pieces.blocks.length > 0 || pieces.toolCalls.length > 0;
  if (!hasOwnContent && pieces.toolResults.length) return pieces.toolResults;
  const message = chatMessage({
    role: pieces.role,
    content: contentOfBlocks(pieces.blocks),
    name: pieces.name,
    toolCalls: pieces.toolCalls,
    toolCallId: pieces.toolCallId,
  });
  return [...pieces.toolResults, message];
}
