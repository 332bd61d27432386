/** A tool call in OpenAI chat form, as LangSmith renders it. */
export interface ChatToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A chat message in OpenAI form: what LangSmith renders as a message card. */
export interface ChatMessage {
  role: string;
  content: string | Array<Record<string, unknown>> | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

/** One output choice: `{ index, message, finish_reason }` (chat) or `{ index, text, finish_reason }` (completion). */
export interface ChatChoice {
  index: number;
  message?: ChatMessage;
  text?: string;
  finish_reason?: string | null;
}

/** Roles as OpenAI names them; conventions spell them differently (`human`, `ai`, `model`, `developer`). */
export function normalizeRole(role: unknown): string {
  const text = typeof role === 'string' ? role.trim().toLowerCase() : '';
  switch (text) {
    case 'human':
    case 'user':
      return 'user';
    case 'ai':
    case 'assistant':
    case 'model':
      return 'assistant';
    case 'system':
    case 'developer':
      return text;
    case 'tool':
    case 'function':
    case 'ipython':
      return 'tool';
    case '':
      return 'user';
    default:
      return text;
  }
}

/** Tool-call arguments as the string OpenAI uses; objects (already parsed by someone) are re-serialized. */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '{}';
  return JSON.stringify(value);
}

export function toolCall(id: unknown, name: unknown, args: unknown): ChatToolCall {
  const call: ChatToolCall = { type: 'function', function: { name: typeof name === 'string' ? name : String(name ?? ''), arguments: argumentsText(args) } };
  if (id !== undefined && id !== null && id !== '') call.id = String(id);
  return call;
}

/** Builds a message, leaving out empty optional fields so LangSmith's renderer stays quiet. */
export function chatMessage(fields: {
  role: unknown;
  content?: ChatMessage['content'] | undefined;
  name?: unknown;
  toolCalls?: ChatToolCall[] | undefined;
  toolCallId?: unknown;
}): ChatMessage {
  const message: ChatMessage = { role: normalizeRole(fields.role), content: fields.content ?? null };
  if (typeof fields.name === 'string' && fields.name) message.name = fields.name;
  if (fields.toolCalls?.length) message.tool_calls = fields.toolCalls;
  if (fields.toolCallId !== undefined && fields.toolCallId !== null && fields.toolCallId !== '') message.tool_call_id = String(fields.toolCallId);
  if (message.content === null && !message.tool_calls) message.content = '';
  return message;
}
