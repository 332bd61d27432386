import { parseJsonTolerant } from '../llm/json.js';
import { isRecord } from './attribute-reader.js';

// Helpers shared by the GenAI and Vercel AI SDK conventions (both describe model calls with
// message parts, provider ids and finish reasons that LangSmith wants in OpenAI's spelling).

/**
 * Provider spellings (GenAI `gen_ai.provider.name` / `gen_ai.system` values and AI SDK provider
 * ids such as `google.vertex.chat`) mapped to the `ls_provider` names LangChain uses, longest
 * prefix first. Anything else keeps its first segment: `openai.chat` → `openai`.
 */
const PROVIDER_PREFIXES: ReadonlyArray<readonly [prefix: string, lsProvider: string]> = [
  ['azure.ai.openai', 'azure'],
  ['azure.ai.inference', 'azure'],
  ['az.ai.openai', 'azure'],
  ['az.ai.inference', 'azure'],
  ['azure-openai', 'azure'],
  ['gcp.vertex_ai', 'google_vertexai'],
  ['google.vertex', 'google_vertexai'],
  ['google-vertex', 'google_vertexai'],
  ['vertex_ai', 'google_vertexai'],
  ['gcp.gemini', 'google_genai'],
  ['gcp.gen_ai', 'google_genai'],
  ['google.generative-ai', 'google_genai'],
  ['gemini', 'google_genai'],
  ['aws.bedrock', 'amazon_bedrock'],
  ['amazon-bedrock', 'amazon_bedrock'],
  ['bedrock', 'amazon_bedrock'],
  ['ibm.watsonx.ai', 'ibm'],
  ['mistral_ai', 'mistralai'],
  ['mistral', 'mistralai'],
  ['x_ai', 'xai'],
];

/** `ls_provider` for a provider attribute value, or undefined when there is none. */
export function lsProvider(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const lower = value.trim().toLowerCase();
  for (const [prefix, name] of PROVIDER_PREFIXES) {
    if (lower === prefix || lower.startsWith(`${prefix}.`) || lower.startsWith(`${prefix}-`)) return name;
  }
  return lower.split('.')[0];
}

/** Finish reasons in OpenAI's spelling; the AI SDK writes `tool-calls`, GenAI mappers `tool_call`. */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  'tool-calls': 'tool_calls',
  tool_call: 'tool_calls',
  'content-filter': 'content_filter',
};

export function finishReason(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  return (Object.hasOwn(FINISH_REASONS, value) ? FINISH_REASONS[value] : undefined) ?? value;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

export { isRecord };

/**
 * Tool arguments or results as run inputs/outputs: a JSON object stays as it is, anything else
 * (a string, a number, a list) is wrapped under `key`, since LangSmith wants an object there.
 */
export function asRecord(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = parseJsonTolerant(value);
  return isRecord(parsed) ? parsed : { [key]: parsed };
}

// Content decoding has one home, llm/content-blocks.ts; re-exported for the conventions that import it here.
export { assembleMessages, contentOfBlocks, contentText, imageBlock, type MessagePieces } from '../llm/content-blocks.js';
