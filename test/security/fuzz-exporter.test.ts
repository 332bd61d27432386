// Fuzzing the span → run path with hostile and odd spans: every run that goes out must be one the
// strict local server accepts, nothing may throw into the caller, the export callback fires once,
// and no attribute key may reach Object.prototype.
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type AttributeValue, type HrTime, type Link, type Span } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSpan, runIdFromSpanId, type RunCreate } from 'otel-langsmith';
import { startLocalServer, validateRunCreate, type LocalServer } from 'otel-langsmith/testing';
import { captureDiag, exporterFor, TEST_KEY } from '../helpers/exporter.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY, maxBodyBytes: 64 * 1024 * 1024 });
});
afterAll(() => server.close());

/* ------------------------------------------------------------------------------------------ */
/* A real SDK tracer with limits raised, so thousands of attributes and events survive.        */
/* ------------------------------------------------------------------------------------------ */

const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'fuzz', ['__proto__']: 'resource-proto', 'http.url': 'https://u:p@resource.example/x?token=t' }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
  spanLimits: {
    attributeCountLimit: 100_000,
    eventCountLimit: 100_000,
    linkCountLimit: 10_000,
    attributePerEventCountLimit: 100_000,
    attributePerLinkCountLimit: 100_000,
  },
});
const tracer = provider.getTracer('fuzz-scope', '0.0.0');

/* ------------------------------------------------------------------------------------------ */
/* Hostile values                                                                             */
/* ------------------------------------------------------------------------------------------ */

const POISON = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b', '\uD83D\uD83D'];
const CONTROL = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', '\u2028', '\u2029', '\uFEFF', '\u200B'];

/** Deepest nesting of JSON-looking strings: well past what JSON.stringify can recurse through (about 5 000). */
const MAX_DEPTH = Number(process.env.FUZZ_DEPTH ?? 20_000);

const controlString = fc.array(fc.constantFrom(...CONTROL, 'x', '"', '\\', "'"), { maxLength: 40 }).map((parts) => parts.join(''));
const surrogateString = fc.array(fc.oneof(fc.constantFrom(...LONE_SURROGATES), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 10 }).map((p) => p.join(''));

/** `{"a":[[[[...` in several shapes, balanced or not. */
function deepJson(maxDepth: number) {
  return fc
    .tuple(fc.integer({ min: 1, max: maxDepth }), fc.constantFrom('array', 'object', 'mixed', 'unbalanced', 'python'))
    .map(([depth, shape]) => {
      switch (shape) {
        case 'array':
          return '['.repeat(depth) + ']'.repeat(depth);
        case 'object':
          return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        case 'mixed':
          return '{"a":['.repeat(depth) + '{"__proto__":{"polluted":true}}' + ']}'.repeat(depth);
        case 'unbalanced':
          return '{"a":[[[['.repeat(depth);
        default:
          return "{'a': [".repeat(depth) + 'True' + ']}'.repeat(depth);
      }
    });
}

const pythonRepr = fc
  .record({
    role: fc.constantFrom('user', 'assistant', 'system', 'tool', '__proto__'),
    content: fc.oneof(fc.string(), controlString),
    flag: fc.constantFrom('True', 'False', 'None'),
  })
  .map(({ role, content, flag }) => `{'role': '${role}', 'content': '${content.replace(/'/g, "\\'")}', 'ok': ${flag}, 'args': [1, 'two', None], '__proto__': {'polluted': True}}`);

const jsonLooking = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '[{"role":"user","content":"hi","__proto__":{"polluted":true}}]',
    '[{"role":"assistant","parts":[{"type":"tool_call","id":"1","name":"f","arguments":{"__proto__":{"x":1}}}]}]',
    '[{"type":"text","content":"x"},{"type":"blob","modality":"image","content":"AAAA","mime_type":"image/png"}]',
    '{"messages":[{"role":"user","content":"hi"}],"model":"gpt"}',
    '{"args":[],"kwargs":{"__proto__":{"polluted":true}}}',
    '"just a json string"',
    '{"input_tokens":"NaN","output_tokens":-1,"total_tokens":1e308}',
    '[1,2,',
    '{',
  ),
);

const urlWithSecrets = fc.constantFrom(
  'https://alice:hunter2@api.example.com/v1/chat?X-Amz-Signature=deadbeef&token=abc&ok=1',
  'http://user@host:8080/path?api_key=k&sig=s',
  '/relative/path?access_token=t&code=c',
  'data:image/png;base64,' + 'iVBORw0KGgo'.repeat(50),
  'not a url at all ://',
  'https://[::1]:99999/bad-port',
);

/** Up to about 1 MB; kept rare so a run of the property stays fast. */
const hugeString = fc
  .tuple(fc.integer({ min: 50_000, max: 1_000_000 }), fc.constantFrom('x', 'é', '😀', '\uD800', 'data:image/png;base64,AAAA'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

function hostileString(maxDepth: number) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 3, arbitrary: surrogateString },
    { weight: 3, arbitrary: controlString },
    { weight: 3, arbitrary: deepJson(maxDepth) },
    { weight: 3, arbitrary: pythonRepr },
    { weight: 4, arbitrary: jsonLooking },
    { weight: 2, arbitrary: urlWithSecrets },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', 'true', '0', '-0', '1e999', ...POISON) },
    { weight: 1, arbitrary: hugeString },
  );
}

const hostileNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -(2 ** 63), 1e308),
  fc.integer(),
);

/** Attribute values of every type, arrays with mixed types and nulls included (the SDK drops mixed ones; raw spans keep them). */
function hostileValue(maxDepth: number): fc.Arbitrary<unknown> {
  const primitive = fc.oneof(hostileString(maxDepth), hostileNumber, fc.boolean());
  return fc.oneof(
    { weight: 8, arbitrary: primitive },
    { weight: 1, arbitrary: fc.array(fc.oneof(hostileString(maxDepth), fc.constant(null), fc.constant(undefined)), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(hostileNumber, { maxLength: 6 }) },
    { weight: 2, arbitrary: fc.array(fc.oneof(primitive, fc.constant(null), fc.constant(undefined)), { maxLength: 6 }) },
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Hostile keys: every convention's, with wrong types, indexed and prefixed with poison        */
/* ------------------------------------------------------------------------------------------ */

/** Each convention's keys, and the attributes that make a span one of its kinds. */
const PROFILES: Record<string, { keys: string[]; seeds: Array<Record<string, AttributeValue>> }> = {
  langsmith: {
    keys: ['langsmith.span.kind', 'langsmith.trace.name', 'langsmith.span.tags', 'langsmith.trace.session_name', 'langsmith.usage_metadata', 'langsmith.metadata.user'],
    seeds: [{ 'langsmith.span.kind': 'LLM' }, { 'langsmith.span.kind': 'retriever' }, { 'langsmith.span.kind': 'bogus' }],
  },
  openinference: {
    keys: [
      'openinference.span.kind', 'input.value', 'input.mime_type', 'output.value', 'output.mime_type', 'llm.invocation_parameters', 'llm.model_name',
      'llm.provider', 'llm.system', 'llm.finish_reason', 'llm.token_count.prompt', 'llm.token_count.completion', 'llm.token_count.total',
      'llm.token_count.prompt_details.cache_read', 'llm.token_count.completion_details.reasoning', 'llm.prompts', 'embedding.model_name',
      'reranker.query', 'reranker.top_k', 'reranker.model_name', 'tool.parameters', 'tool_call.function.arguments', 'metadata', 'tag.tags', 'session.id', 'user.id',
    ],
    seeds: ['LLM', 'EMBEDDING', 'TOOL', 'RETRIEVER', 'RERANKER', 'AGENT', 'CHAIN', 'PROMPT'].map((kind) => ({ 'openinference.span.kind': kind })),
  },
  genai: {
    keys: [
      'gen_ai.operation.name', 'gen_ai.system', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.input.messages',
      'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.prompt', 'gen_ai.completion', 'gen_ai.request.temperature', 'gen_ai.request.max_tokens',
      'gen_ai.request.stop_sequences', 'gen_ai.request.top_p', 'gen_ai.request.seed', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens',
      'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.response.finish_reasons',
      'gen_ai.tool.name', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.tool.definitions', 'gen_ai.conversation.id',
      'gen_ai.retrieval.query.text', 'gen_ai.retrieval.documents', 'gen_ai.event.content',
    ],
    seeds: ['chat', 'text_completion', 'generate_content', 'embeddings', 'execute_tool', 'invoke_agent', 'retrieval', 'create_agent'].map((op) => ({ 'gen_ai.operation.name': op })),
  },
  traceloop: {
    keys: [
      'traceloop.span.kind', 'traceloop.entity.name', 'traceloop.entity.input', 'traceloop.entity.output', 'llm.request.type', 'llm.usage.total_tokens',
      'llm.top_k', 'llm.frequency_penalty', 'llm.presence_penalty', 'llm.chat.stop_sequences', 'gen_ai.system', 'gen_ai.request.model',
      'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens',
    ],
    seeds: [{ 'llm.request.type': 'chat' }, { 'llm.request.type': 'completion' }, { 'llm.request.type': 'embedding' }, { 'traceloop.span.kind': 'tool' }, { 'traceloop.span.kind': 'workflow' }],
  },
  vercel: {
    keys: [
      'ai.operationId', 'operation.name', 'ai.telemetry.functionId', 'ai.model.id', 'ai.model.provider', 'ai.prompt', 'ai.prompt.messages', 'ai.prompt.tools',
      'ai.prompt.toolChoice', 'ai.response.text', 'ai.response.toolCalls', 'ai.response.object', 'ai.response.finishReason', 'ai.response.model',
      'ai.response.msToFirstChunk', 'ai.result.text', 'ai.result.object', 'ai.usage.promptTokens', 'ai.usage.completionTokens', 'ai.usage.inputTokens',
      'ai.usage.outputTokens', 'ai.usage.tokens', 'ai.toolCall.name', 'ai.toolCall.args', 'ai.toolCall.result', 'ai.toolCall.input', 'ai.toolCall.output',
      'ai.value', 'ai.values', 'ai.embedding', 'ai.embeddings',
    ],
    seeds: ['ai.generateText', 'ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.embed', 'ai.embedMany.doEmbed', 'ai.toolCall', 'ai.generateObject'].map((id) => ({ 'ai.operationId': id })),
  },
  http: {
    keys: [
      'http.request.method', 'http.method', 'url.full', 'http.url', 'http.target', 'url.path', 'url.query', 'url.scheme', 'http.scheme', 'http.route',
      'http.response.status_code', 'http.status_code', 'server.address', 'server.port', 'http.host', 'net.peer.name',
    ],
    seeds: [{ 'http.request.method': 'GET' }, { 'http.method': 'POST' }, { 'http.request.method': '_OTHER' }],
  },
};
const PROFILE_NAMES = Object.keys(PROFILES);
const CONVENTION_KEYS = [...new Set(Object.values(PROFILES).flatMap((p) => p.keys))];

/** Values a convention would look for, so the interesting code paths run often. */
const CONVENTION_VALUES = fc.constantFrom(
  'llm', 'LLM', 'chain', 'tool', 'TOOL', 'retriever', 'RETRIEVER', 'RERANKER', 'EMBEDDING', 'embedding', 'prompt', 'parser', 'AGENT', 'workflow', 'task',
  'chat', 'completion', 'text_completion', 'embeddings', 'execute_tool', 'invoke_agent', 'retrieval', 'generate_content',
  'ai.generateText', 'ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.embed', 'ai.embedMany.doEmbed', 'ai.toolCall', 'ai.generateObject',
  'GET', 'POST', 'HTTP GET', '_OTHER', 'openai', 'azure.ai.openai', 'application/json', 'text/plain',
);

const INDEXED_PREFIXES = [
  'llm.input_messages', 'llm.output_messages', 'llm.prompts', 'llm.tools', 'gen_ai.prompt', 'gen_ai.completion', 'retrieval.documents',
  'embedding.embeddings', 'reranker.input_documents', 'reranker.output_documents', 'llm.request.functions',
];
const INDEXED_FIELDS = [
  'message.role', 'message.content', 'message.name', 'message.tool_call_id', 'message.contents.0.message_content.type',
  'message.contents.0.message_content.text', 'message.contents.1.message_content.image.image.url', 'message.tool_calls.0.tool_call.id',
  'message.tool_calls.0.tool_call.function.name', 'message.tool_calls.0.tool_call.function.arguments', 'message.function_call_name',
  'message.function_call_arguments_json', 'role', 'content', 'finish_reason', 'tool_call_id', 'tool_calls.0.id', 'tool_calls.0.name',
  'tool_calls.0.arguments', 'function_call.name', 'function_call.arguments', 'document.id', 'document.content', 'document.score',
  'document.metadata', 'embedding.text', 'embedding.vector', 'tool.json_schema', 'prompt.text', 'name', 'description', 'arguments',
];
const PREFIXED = [
  'langsmith.metadata.', 'traceloop.association.properties.', 'ai.telemetry.metadata.', 'ai.settings.', 'ai.settings.context.', 'ai.request.headers.', 'ai.usage.',
];

const segment = fc.oneof(fc.constantFrom(...POISON), fc.nat({ max: 12 }).map(String), fc.constantFrom('99999999999', '-1', '1.5', ''));

const indexedKey = fc
  .tuple(fc.constantFrom(...INDEXED_PREFIXES), fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 8 }).map(String) }, { weight: 1, arbitrary: segment }), fc.constantFrom(...INDEXED_FIELDS), fc.option(fc.tuple(fc.nat({ max: 6 }), segment)))
  .map(([prefix, index, field, poison]) => {
    if (!poison) return `${prefix}.${index}.${field}`;
    const parts = field.split('.');
    parts.splice(Math.min(poison[0], parts.length), 0, poison[1]);
    return `${prefix}.${index}.${parts.join('.')}`;
  });

const attributeKey = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...CONVENTION_KEYS) },
  { weight: 5, arbitrary: indexedKey },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...PREFIXED), fc.oneof(fc.constantFrom(...POISON), fc.string({ maxLength: 8 }))).map(([p, s]) => p + s) },
  { weight: 2, arbitrary: fc.constantFrom(...POISON) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
);

function attributePair(maxDepth: number, keys: fc.Arbitrary<string> = attributeKey) {
  return fc.tuple(keys, fc.oneof({ weight: 3, arbitrary: hostileValue(maxDepth) }, { weight: 2, arbitrary: CONVENTION_VALUES }, { weight: 1, arbitrary: fc.nat(5000) }));
}

/** Attributes mostly of one convention (its kind seeded), some of any. */
function profiledAttributes(maxDepth: number): fc.Arbitrary<Array<[string, unknown]>> {
  return fc.constantFrom(...PROFILE_NAMES).chain((name) => {
    const profile = PROFILES[name]!;
    const own = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...profile.keys) }, { weight: 2, arbitrary: indexedKey }, { weight: 1, arbitrary: attributeKey });
    return fc
      .tuple(fc.option(fc.constantFrom(...profile.seeds), { freq: 5 }), fc.array(attributePair(maxDepth, own), { maxLength: 20 }), fc.array(attributePair(maxDepth), { maxLength: 4 }))
      .map(([seed, pairs, others]) => [...Object.entries(seed ?? {}), ...pairs, ...others] as Array<[string, unknown]>);
  });
}

const EVENT_NAMES = [
  'exception', 'gen_ai.user.message', 'gen_ai.system.message', 'gen_ai.assistant.message', 'gen_ai.tool.message', 'gen_ai.choice',
  'gen_ai.content.prompt', 'gen_ai.content.completion', 'ai.stream.firstChunk', 'new_token', '__proto__', '',
];
const EVENT_KEYS = [
  'exception.type', 'exception.message', 'exception.stacktrace', 'content', 'role', 'message', 'tool_calls', 'id', 'index', 'finish_reason',
  'gen_ai.prompt', 'gen_ai.completion', 'gen_ai.event.content', 'url.full', 'http.url', 'ai.response.msToFirstChunk', '__proto__', 'constructor',
];

function eventArb(maxDepth: number) {
  return fc.record({
    name: fc.oneof(fc.constantFrom(...EVENT_NAMES), fc.string({ maxLength: 10 })),
    attributes: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...EVENT_KEYS), attributeKey), hostileValue(maxDepth)), { maxLength: 5 }),
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Span descriptions, and their construction through the SDK or as raw ReadableSpan shapes    */
/* ------------------------------------------------------------------------------------------ */

type Shape = 'sdk' | 'raw' | 'sdk1x' | 'unended';

interface SpanPlan {
  shape: Shape;
  name: string;
  kind: number;
  attributes: Array<[string, unknown]>;
  /** Synthesized in bulk: thousands of attributes and events without fast-check generating each. */
  bulkAttributes: number;
  bulkEvents: number;
  events: Array<{ name: string; attributes: Array<[string, unknown]> }>;
  links: Array<Array<[string, unknown]>>;
  status: { code: number; message?: string };
  /** Parent: another span of the batch (by index), a random (possibly invalid) id, or none. */
  parent: { kind: 'none' } | { kind: 'batch'; index: number } | { kind: 'id'; id: string };
  ids: 'valid' | 'zero-span' | 'zero-trace' | 'bad-span' | 'bad-trace' | 'upper-span';
  /** Milliseconds end minus start (negative: end before start); raw shapes only. */
  durationMillis: number;
  startOffsetMillis: number;
  /** Now and then a clock gone wrong: replaces the start, the end or the events' time. */
  clock: { start?: TimeInput; end?: TimeInput; event?: TimeInput };
}

type TimeInput = number | Date | HrTime;

/** Times an SDK accepts from a caller (or a ReadableSpan may carry) that no calendar can print. */
const hostileTime: fc.Arbitrary<TimeInput> = fc.constantFrom<TimeInput>(
  NaN,
  Infinity,
  -Infinity,
  1e15, // epoch ms in the year 33658
  8.64e15 + 1, // past what Date can hold
  new Date(NaN),
  new Date('+010000-01-01T00:00:00Z'),
  new Date('-000010-01-01T00:00:00Z'),
  new Date('0000-06-01T00:00:00Z'),
  new Date('9999-12-31T23:59:59.999Z'),
  0,
  [NaN, 0],
  [1e12, 0],
  [-1e11, 0],
  [1_700_000_000, -5],
  [1_700_000_000, 5e12],
  [1_700_000_000, NaN],
);

const clockArb = fc.oneof(
  { weight: 7, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.record({ start: hostileTime }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ end: hostileTime }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ event: hostileTime }, { requiredKeys: [] }) },
);

/** What the SDK makes of a time input, for raw shapes built by hand. */
function toHrTime(input: TimeInput): HrTime {
  if (Array.isArray(input)) return input;
  const millis = input instanceof Date ? input.getTime() : input;
  return [Math.trunc(millis / 1000), Math.round((millis % 1000) * 1e6)];
}

const hexId = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

function spanPlan(maxDepth: number): fc.Arbitrary<SpanPlan> {
  return fc.record({
    shape: fc.constantFrom<Shape>('sdk', 'sdk', 'raw', 'sdk1x', 'unended'),
    name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('GET', 'POST', 'HTTP GET', '', '   ', '__proto__'), surrogateString, controlString),
    kind: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 7, 1.5)),
    attributes: profiledAttributes(maxDepth),
    bulkAttributes: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 500, max: 3000 }) }),
    bulkEvents: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 500, max: 3000 }) }),
    events: fc.array(eventArb(maxDepth), { maxLength: 4 }),
    links: fc.array(fc.array(fc.tuple(attributeKey, hostileValue(maxDepth)), { maxLength: 3 }), { maxLength: 2 }),
    status: fc.record({ code: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer()), message: fc.option(hostileString(maxDepth), { nil: undefined }) }),
    parent: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
      { weight: 3, arbitrary: fc.nat({ max: 10 }).map((index) => ({ kind: 'batch' as const, index })) },
      { weight: 1, arbitrary: fc.oneof(hexId(16), fc.constantFrom('0000000000000000', 'ZZZZ', '', 'ABCDEF0123456789', '__proto__')).map((id) => ({ kind: 'id' as const, id })) },
    ),
    ids: fc.oneof(
      { weight: 12, arbitrary: fc.constant('valid' as const) },
      { weight: 1, arbitrary: fc.constantFrom('zero-span' as const, 'zero-trace' as const, 'bad-span' as const, 'bad-trace' as const, 'upper-span' as const) },
    ),
    durationMillis: fc.integer({ min: -5000, max: 5000 }),
    startOffsetMillis: fc.integer({ min: -10_000, max: 10_000 }),
    clock: clockArb,
  });
}

function asAttributes(pairs: Array<[string, unknown]>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of pairs) Object.defineProperty(out, key, { value: value as AttributeValue, enumerable: true, writable: true, configurable: true });
  return out;
}

function bulk(count: number): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) out.push([`llm.input_messages.${i}.message.content`, `message ${i}`]);
    else if (i % 3 === 1) out.push([`llm.input_messages.${i}.message.role`, i % 2 ? 'user' : 'assistant']);
    else out.push([`bulk.attr.${i}`, i]);
  }
  return out;
}

const BASE_MILLIS = Date.UTC(2024, 4, 1, 12);

/** Whether a span must become a run (true), must not (false), or may either way (undefined). */
type Mappable = boolean | undefined;

/** Builds the planned spans: SDK spans through the real tracer, the others as ReadableSpan-shaped objects. */
function buildSpans(plans: SpanPlan[]): { spans: ReadableSpan[]; expectMappable: Mappable[] } {
  memory.reset();
  const spans: ReadableSpan[] = [];
  const expectMappable: Mappable[] = [];
  const live: Span[] = [];
  for (const [i, plan] of plans.entries()) {
    const parentIndex = plan.parent.kind === 'batch' && plan.parent.index < i ? plan.parent.index : undefined;
    const parentContext = parentIndex !== undefined && live[parentIndex] ? trace.setSpan(context.active(), live[parentIndex]) : context.active();
    const start = BASE_MILLIS + plan.startOffsetMillis;
    const startTime = plan.clock.start ?? start;
    const eventTime = plan.clock.event ?? start + 1;
    const links: Link[] = plan.links.map((attrs) => ({ context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, attributes: asAttributes(attrs) }));
    const sdkSpan = tracer.startSpan(plan.name, { kind: ((plan.kind % 5) + 5) % 5 as SpanKind, startTime, links }, parentContext);
    live.push(sdkSpan);
    for (const [key, value] of [...plan.attributes, ...bulk(plan.bulkAttributes)]) sdkSpan.setAttribute(key, value as AttributeValue);
    for (const event of plan.events) sdkSpan.addEvent(event.name, asAttributes(event.attributes), eventTime);
    for (let e = 0; e < plan.bulkEvents; e++) sdkSpan.addEvent(e % 2 ? 'gen_ai.user.message' : `bulk ${e}`, { content: `event ${e}`, 'url.full': 'https://u:p@h/?token=t' }, start + 2);
    if (plan.status.code === SpanStatusCode.ERROR) sdkSpan.recordException(new Error(typeof plan.status.message === 'string' ? plan.status.message : 'boom'));
    sdkSpan.setStatus(plan.status.message === undefined ? { code: plan.status.code } : { code: plan.status.code, message: String(plan.status.message) });
    sdkSpan.end(plan.clock.end ?? start + Math.max(0, plan.durationMillis));
  }
  const ended = memory.getFinishedSpans();
  for (const [i, plan] of plans.entries()) {
    const real = ended[i]!;
    let span: ReadableSpan = real;
    let { traceId, spanId } = real.spanContext();
    if (plan.ids === 'zero-span') spanId = '0'.repeat(16);
    else if (plan.ids === 'zero-trace') traceId = '0'.repeat(32);
    else if (plan.ids === 'bad-span') spanId = 'not-a-span-id';
    else if (plan.ids === 'bad-trace') traceId = 'xyz';
    else if (plan.ids === 'upper-span') spanId = spanId.toUpperCase().replace(/^[0-9]/, 'A');
    const context = { ...real.spanContext(), traceId, spanId };
    if (plan.shape !== 'sdk' || plan.ids !== 'valid') {
      const start: HrTime = real.startTime;
      const end: HrTime | undefined =
        plan.shape === 'unended' ? undefined : plan.clock.end !== undefined ? toHrTime(plan.clock.end) : [start[0] + Math.trunc(plan.durationMillis / 1000), start[1]];
      const raw: Record<string, unknown> = {
        name: real.name,
        kind: plan.kind,
        spanContext: () => context,
        startTime: start,
        endTime: end,
        duration: [0, 0],
        ended: plan.shape !== 'unended',
        status: { code: plan.status.code, ...(plan.status.message === undefined ? {} : { message: plan.status.message }) },
        // Raw shapes keep what the SDK would have refused: mixed arrays, nulls, undefined.
        attributes: asAttributes([...plan.attributes, ...bulk(plan.bulkAttributes)]),
        links: real.links,
        events: real.events,
        resource: real.resource,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      };
      if (plan.shape === 'sdk1x') {
        raw.instrumentationLibrary = { name: 'fuzz-1x', version: '1.0.0' };
        const parentSpanId = plan.parent.kind === 'id' ? plan.parent.id : real.parentSpanContext?.spanId;
        if (parentSpanId !== undefined) raw.parentSpanId = parentSpanId;
      } else {
        raw.instrumentationScope = real.instrumentationScope;
        if (real.parentSpanContext) raw.parentSpanContext = real.parentSpanContext;
        else if (plan.parent.kind === 'id') raw.parentSpanContext = { traceId, spanId: plan.parent.id, traceFlags: 1, isRemote: false };
      }
      span = raw as unknown as ReadableSpan;
    }
    spans.push(span);
    // An invalid trace id with a valid span id: see the focused test below; either outcome is fine here.
    expectMappable.push(plan.ids === 'valid' ? true : plan.ids === 'zero-trace' || plan.ids === 'bad-trace' ? undefined : false);
  }
  return { spans, expectMappable };
}

/* ------------------------------------------------------------------------------------------ */
/* Invariants                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const snapshotPrototypes = () => PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort().join());

function expectUnpolluted(before: string[]): void {
  expect(snapshotPrototypes()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

/** Exports the spans through a fresh exporter and checks every invariant the brief names. */
async function exportAndCheck(spans: ReadableSpan[], expectMappable: Mappable[]): Promise<void> {
  server.reset();
  const before = snapshotPrototypes();
  const diagLines = captureDiag();
  const exporter = exporterFor(server, { orphanTimeoutMillis: 60_000 });
  try {
    const results: ExportResult[] = [];
    let threw: unknown;
    const done = new Promise<void>((resolve) => {
      try {
        exporter.export(spans, (result) => {
          results.push(result);
          resolve();
        });
      } catch (error) {
        threw = error;
        resolve();
      }
    });
    await done;
    expect(threw).toBeUndefined();
    await exporter.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(results).toHaveLength(1);
    expect(results[0]!.code, String(results[0]!.error?.message)).toBe(ExportResultCode.SUCCESS);

    const requests = server.requests().filter((r) => r.path === '/runs');
    const refused = requests.filter((r) => r.status !== 200);
    expect(refused.map((r) => `${r.status} ${r.detail}`)).toEqual([]);

    // Spans that could not become runs are counted, never sent; every other one is stored once.
    const must = new Set<string>();
    const may = new Set<string>();
    for (const [i, span] of spans.entries()) {
      if (expectMappable[i] === false) continue;
      (expectMappable[i] ? must : may).add(runIdFromSpanId(span.spanContext().spanId));
    }
    const stored = new Set(server.runs().map((r) => r.id));
    for (const id of must) expect(stored.has(id), `run ${id} stored`).toBe(true);
    for (const id of stored) expect(must.has(id) || may.has(id), `run ${id} expected`).toBe(true);
    const stats = exporter.stats();
    expect(stats.spansUnmappable).toBe(spans.length - stored.size);
    expect(stats).toMatchObject({ runsRejected: 0, runsFailed: 0, runsDelivered: stored.size, heldRuns: 0, queuedRuns: 0 });
    // The exporter's own safety net must never have been needed.
    expect(diagLines.text()).not.toMatch(/unexpected error in export\(\)|result callback threw/);
    expectUnpolluted(before);
  } finally {
    diagLines.restore();
    await exporter.shutdown();
  }
}

/** mapSpan alone: returns a run the service accepts, or throws UnmappableSpanError for an invalid span id. */
function checkMapSpan(span: ReadableSpan, mappable: Mappable): void {
  const before = snapshotPrototypes();
  let mapped;
  try {
    mapped = mapSpan(span, { projectName: 'fuzz' });
  } catch (error) {
    expect((error as Error).name, String((error as Error).stack)).toBe('UnmappableSpanError');
    expect(mappable).not.toBe(true);
    return;
  }
  expect(mappable).not.toBe(false);
  const body = JSON.stringify(mapped.run);
  const validation = validateRunCreate(JSON.parse(body));
  expect(validation.ok ? [] : validation.errors).toEqual([]);
  expectUnpolluted(before);
}

/* ------------------------------------------------------------------------------------------ */

describe('fuzz: mapSpan alone', () => {
  it('never throws except UnmappableSpanError for invalid span ids, and always yields a valid run', () => {
    fc.assert(
      fc.property(fc.array(spanPlan(MAX_DEPTH), { minLength: 1, maxLength: 4 }), (plans) => {
        const { spans, expectMappable } = buildSpans(plans);
        spans.forEach((span, i) => checkMapSpan(span, expectMappable[i]!));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  });
});

describe('fuzz: the exporter against the strict local server', () => {
  it('sends only runs the server accepts, never throws, calls back once, never pollutes prototypes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spanPlan(MAX_DEPTH), { minLength: 1, maxLength: 8 }), async (plans) => {
        const { spans, expectMappable } = buildSpans(plans);
        await exportAndCheck(spans, expectMappable);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS_EXPORT ?? 40) },
    );
  });
});



/* ------------------------------------------------------------------------------------------ */
/* What the properties above found, pinned down one by one. Each fails until src/ is fixed;    */
/* SECURITY.md ("Known limits") and the bug reports name the function and the fix.             */
/* ------------------------------------------------------------------------------------------ */

/** One span through the real SDK (limits raised), with attributes, events and times given. */
function oneSpan(attributes: Attributes, options: { startTime?: TimeInput; endTime?: TimeInput; events?: Array<{ name: string; attributes?: Attributes; time?: TimeInput }> } = {}): ReadableSpan {
  memory.reset();
  const span = tracer.startSpan('fuzzed', { attributes, ...(options.startTime === undefined ? {} : { startTime: options.startTime }) });
  for (const event of options.events ?? []) span.addEvent(event.name, event.attributes ?? {}, event.time);
  span.end(options.endTime);
  return memory.getFinishedSpans()[0]!;
}

function expectValidRun(span: ReadableSpan): RunCreate {
  const { run } = mapSpan(span, { projectName: 'fuzz' });
  const validation = validateRunCreate(JSON.parse(JSON.stringify(run)));
  expect(validation.ok ? [] : validation.errors).toEqual([]);
  return run;
}

async function exportAll(spans: ReadableSpan[]) {
  server.reset();
  const diagLines = captureDiag();
  const exporter = exporterFor(server);
  try {
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    return { result, stats: exporter.stats(), diag: diagLines.text(), statuses: server.requests().map((r) => r.status) };
  } finally {
    diagLines.restore();
  }
}

describe('hostile span content becomes a valid run or is counted unmappable, never taking other spans down', () => {
  // BUG: genai.ts looks operation names up in a plain object literal (RUN_TYPES_BY_OPERATION),
  // so inherited names resolve to Object.prototype members: run_type becomes a function or an
  // object, JSON drops it and LangSmith answers 422. The same pattern in genai-common.ts
  // (FINISH_REASONS) and genai-messages.ts (MESSAGE_EVENT_ROLES) turns a finish reason into a
  // function and an event named "toString" into a chat message. Fix: Object.hasOwn (or a Map).
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    'gen_ai.operation.name %j still gives a valid run that LangSmith accepts',
    async (operation) => {
      const span = oneSpan({ 'gen_ai.operation.name': operation, 'gen_ai.request.model': 'm' });
      expect(expectValidRun(span).run_type).toBe('chain');
      const { statuses } = await exportAll([span]);
      expect(statuses).toEqual([200]);
    },
  );

  it('a finish reason or a GenAI event named like an Object.prototype member stays what it was', () => {
    const run = expectValidRun(
      oneSpan(
        { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.response.text': 'hi', 'ai.response.finishReason': 'constructor', 'gen_ai.system': 'openai' },
        { events: [{ name: 'toString', attributes: { content: 'not a message' } }] },
      ),
    );
    expect((run.outputs as { choices: Array<{ finish_reason?: unknown }> }).choices[0]!.finish_reason).toBe('constructor');
    expect(run.events?.map((e) => e.name)).toContain('toString');
  });

  // BUG: parseJsonTolerant (src/mapping/llm/json.ts) parses any depth (JSON.parse is iterative),
  // but JSON.stringify and String() recurse: a 40 KB attribute such as '{"a":' x 10 000 makes
  // mapSpan throw RangeError (stack overflow) when it stringifies it (tool-call ids, arguments),
  // or makes serializeWithinBudget throw in LangSmithSpanExporter.accept, outside mapSpan's
  // try: acceptSlice's catch then abandons the rest of the 128-span slice, and those spans are
  // silently lost (the callback still says SUCCESS; through the bridge the sender gets 200).
  // Fix: keep values nested deeper than ~64 levels as the original string, and give each
  // accept() its own try/catch (counted) so one span can never take the others down.
  it('deep JSON-looking values neither crash mapSpan nor drop the other spans of the call', async () => {
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    expectValidRun(oneSpan({ 'gen_ai.operation.name': 'chat' }, { events: [{ name: 'gen_ai.tool.message', attributes: { id: deepArray, content: 'x' } }] }));
    expectValidRun(oneSpan({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.arguments': deepObject }));

    const hostile = oneSpan({ 'openinference.span.kind': 'CHAIN', 'input.value': deepObject });
    const bystander = oneSpan({ 'langsmith.trace.name': 'bystander' });
    const { result, stats, diag, statuses } = await exportAll([hostile, bystander]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(diag).not.toMatch(/unexpected error/);
    expect(stats).toMatchObject({ spansReceived: 2, runsDelivered: 2 });
    expect(statuses).toEqual([200, 200]);
  });

  // BUG: hrTimeToMicros / microsToIso (src/mapping/time.ts) assume a printable time. The SDK
  // takes any TimeInput from the caller: new Date(NaN), Infinity or [NaN, 0] make mapSpan throw
  // RangeError "Invalid time value" (the exporter then drops the span as unmappable and its
  // children wait 30 s for it); years past 9999 or before 0 give "+010000-01-01T00:00.000000Z",
  // which LangSmith answers with 422. Fix: clamp start, end and event times into
  // 0001-01-01 .. 9999-12-31 (non-finite: the other end, else the epoch) in mapSpan, and
  // record the original in metadata as for end-before-start.
  it.each<[string, { startTime?: TimeInput; endTime?: TimeInput; eventTime?: TimeInput }]>([
    ['start new Date(NaN)', { startTime: new Date(NaN) }],
    ['start Infinity', { startTime: Infinity }],
    ['start [NaN, 0]', { startTime: [NaN, 0] }],
    ['start in the year 10000', { startTime: new Date('+010000-01-01T00:00:00Z') }],
    ['start in the year -10', { startTime: new Date('-000010-01-01T00:00:00Z') }],
    ['end in the year 33658', { endTime: 1e15 }],
    ['an event at new Date(NaN)', { eventTime: new Date(NaN) }],
  ])('a span whose clock reads %s still becomes a valid run LangSmith accepts', async (_label, clock) => {
    const span = oneSpan(
      { 'ai.operationId': 'ai.streamText.doStream' },
      {
        ...(clock.startTime === undefined ? {} : { startTime: clock.startTime }),
        ...(clock.endTime === undefined ? {} : { endTime: clock.endTime }),
        events: [{ name: 'ai.stream.firstChunk', time: clock.eventTime ?? Date.UTC(2024, 4, 1) }],
      },
    );
    expectValidRun(span);
    const { stats, statuses } = await exportAll([span]);
    expect(stats.spansUnmappable).toBe(0);
    expect(statuses).toEqual([200]);
  });

  // BUG (consistency): mapSpan (src/mapping/map-span.ts) validates the span id only. A span
  // with an all-zero or malformed trace id, which W3C calls invalid and the bridge refuses
  // (to-readable-span.ts invalidIds), is sent, its garbage trace id in metadata. Fix: check
  // the trace id in mapSpan too and throw UnmappableSpanError.
  it('spans with an all-zero or malformed trace id are counted unmappable and never sent, as the bridge does', async () => {
    const valid = oneSpan({});
    const withTraceId = (traceId: string): ReadableSpan => {
      const context = { ...valid.spanContext(), traceId, spanId: (Math.random().toString(16).slice(2) + '1234567890abcdef').slice(0, 16) };
      return Object.assign(Object.create(Object.getPrototypeOf(valid) as object) as ReadableSpan, valid, { spanContext: () => context });
    };
    const { stats, statuses } = await exportAll([withTraceId('0'.repeat(32)), withTraceId('not-a-trace-id')]);
    expect(statuses).toEqual([]);
    expect(stats.spansUnmappable).toBe(2);
  });
});
