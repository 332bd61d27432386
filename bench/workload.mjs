// The generated workload every scenario shares: real SDK spans (BasicTracerProvider, real context
// nesting, children ending before their parents as in an application), recorded in end order.
// Ids come from a seeded generator, so a run of the bench produces the same trees every time.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { mapSpan } from 'otel-langsmith';

export const QUICK = process.env.BENCH_QUICK === '1';

/** Traces per shape: about 12.5k spans per shape (4k for the 20 KB LLM shape); a fifth with BENCH_QUICK=1. */
export const TRACES = QUICK ? { flat: 120, deep: 250, wide: 12, llm: 200 } : { flat: 600, deep: 1250, wide: 62, llm: 1000 };

export const SHAPES = {
  flat: 'root + 20 children',
  deep: 'chains of depth 10',
  wide: 'root + 200 children',
  llm: 'agent + 2 LLM calls (~20 KB messages each) + 1 tool',
};

export const PROJECT = 'bench';

/** xorshift32: reproducible hex ids that still look random (Map hashing, string comparisons). */
export function seededIdGenerator(seed = 0x9e3779b9) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  // Written into a buffer and read back as hex, as the SDK's RandomIdGenerator does: flat strings
  // (concatenating the parts would give cons strings, which cost every reader of the id a flattening).
  const buffer = Buffer.alloc(16);
  const hex = (words) => {
    for (let i = 0; i < words; i++) buffer.writeUInt32BE(next(), i * 4);
    return buffer.toString('hex', 0, words * 4);
  };
  return { generateTraceId: () => hex(4), generateSpanId: () => hex(2) };
}

const RESOURCE = {
  'service.name': 'bench-app',
  'service.version': '1.4.2',
  'deployment.environment.name': 'bench',
  'host.name': 'bench-host-01',
  'process.pid': 4242,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': process.versions.node,
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.12.1',
};

/** A tracer whose ended spans land in `sink` (end order), seeded ids. */
export function createRecordingTracer(seed) {
  const ended = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    idGenerator: seededIdGenerator(seed),
    spanLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 256 },
    spanProcessors: [{ onStart() {}, onEnd: (span) => ended.push(span), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  return { tracer: provider.getTracer('bench-app', '1.0.0'), ended, provider };
}

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ' +
  'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ';

function text(chars, salt) {
  let out = `[${salt}] `;
  while (out.length < chars) out += LOREM;
  return out.slice(0, chars);
}

/** A chat history of about `bytes` bytes in the current GenAI semconv form (`gen_ai.input.messages`). */
function chatHistory(bytes, salt) {
  const messages = [{ role: 'system', parts: [{ type: 'text', content: text(600, `${salt} system`) }] }];
  let size = 700;
  for (let turn = 0; size < bytes; turn++) {
    const user = text(900, `${salt} user ${turn}`);
    const assistant = text(1400, `${salt} assistant ${turn}`);
    messages.push({ role: 'user', parts: [{ type: 'text', content: user }] });
    messages.push({ role: 'assistant', parts: [{ type: 'text', content: assistant }] });
    size += user.length + assistant.length + 120;
  }
  return JSON.stringify(messages);
}

const within = (parent) => trace.setSpan(context.active(), parent);

function flatTrace(tracer, t) {
  const root = tracer.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.full': `https://shop.example.com/api/orders/${t}?expand=items&token=secret-${t}`,
      'url.path': `/api/orders/${t}`,
      'http.route': '/api/orders/:id',
      'server.address': 'shop.example.com',
      'server.port': 443,
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'client.address': '10.1.2.3',
      'network.protocol.version': '1.1',
    },
  });
  const ctx = within(root);
  for (let c = 0; c < 20; c++) {
    const child = tracer.startSpan(
      `SELECT shop.order_items`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.collection.name': 'order_items',
          'db.operation.name': 'SELECT',
          'db.query.text': `SELECT id, sku, quantity, price_cents, currency, created_at FROM order_items WHERE order_id = $1 AND line = $2 ORDER BY created_at DESC LIMIT 50 -- ${t}/${c}`,
          'server.address': 'db.internal',
          'server.port': 5432,
          'db.response.returned_rows': (t + c) % 50,
        },
      },
      ctx,
    );
    if (c === 7 && t % 25 === 0) {
      child.recordException(Object.assign(new Error('canceling statement due to statement timeout'), { name: 'QueryTimeoutError' }));
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'statement timeout' });
    }
    child.end();
  }
  root.setAttribute('http.response.status_code', 200);
  root.end();
}

function deepTrace(tracer, t) {
  const open = [];
  let ctx = context.active();
  for (let level = 0; level < 10; level++) {
    const span = tracer.startSpan(
      `step ${level}`,
      {
        attributes: {
          'app.step': level,
          'app.request_id': `req-${t}`,
          'app.user_id': `user-${t % 97}`,
          'app.feature_flags': ['new-checkout', 'fast-path', `cohort-${t % 7}`],
          'app.note': text(160, `${t}.${level}`),
          'code.function.name': `handlerLevel${level}`,
          'code.file.path': `/srv/app/src/handlers/level-${level}.js`,
        },
      },
      ctx,
    );
    open.push(span);
    ctx = within(span);
  }
  for (let level = open.length - 1; level >= 0; level--) open[level].end(); // deepest first
}

function wideTrace(tracer, t) {
  const root = tracer.startSpan('batch job', { attributes: { 'app.job_id': `job-${t}`, 'app.items': 200, 'app.queue': 'ingest' } });
  const ctx = within(root);
  for (let c = 0; c < 200; c++) {
    tracer
      .startSpan('process item', { attributes: { 'app.item_id': `item-${t}-${c}`, 'app.item_index': c, 'app.ok': c % 31 !== 0, 'app.bytes': 1000 + c } }, ctx)
      .end();
  }
  root.end();
}

function llmCall(tracer, ctx, t, call) {
  const span = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 1024,
        'gen_ai.input.messages': chatHistory(20_000, `${t}.${call}`),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'text', content: text(1200, `${t}.${call} answer`) }], finish_reason: 'stop' },
        ]),
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.response.id': `chatcmpl-${t}-${call}`,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 5100 + call,
        'gen_ai.usage.output_tokens': 310,
        'server.address': 'api.openai.com',
      },
    },
    ctx,
  );
  span.end();
}

function llmTrace(tracer, t) {
  const root = tracer.startSpan('invoke_agent support-bot', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-bot', 'gen_ai.conversation.id': `conv-${t}` },
  });
  const ctx = within(root);
  llmCall(tracer, ctx, t, 0);
  tracer
    .startSpan(
      'execute_tool lookup_order',
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'lookup_order',
          'gen_ai.tool.call.id': `call-${t}`,
          'gen_ai.tool.call.arguments': JSON.stringify({ order_id: t, include: ['items', 'shipping'] }),
          'gen_ai.tool.call.result': JSON.stringify({ status: 'shipped', items: 3, eta: '2025-01-03' }),
        },
      },
      ctx,
    )
    .end();
  llmCall(tracer, ctx, t, 1);
  root.end();
}

export const GENERATORS = { flat: flatTrace, deep: deepTrace, wide: wideTrace, llm: llmTrace };

/**
 * Spans of one shape in end order, plus what the ceiling needs: each span's pre-serialized run body
 * and its depth in its tree (0 for roots).
 */
export function generateShape(shape, traces = TRACES[shape], seed = 1 + Object.keys(GENERATORS).indexOf(shape)) {
  const { tracer, ended } = createRecordingTracer(seed * 7919);
  for (let t = 0; t < traces; t++) GENERATORS[shape](tracer, t);
  return ended;
}

/** Run bodies exactly as the exporter would build them (mapSpan + JSON.stringify), with tree depth. */
export function runBodies(spans) {
  const depthById = new Map();
  const mapped = spans.map((span) => mapSpan(span, { projectName: PROJECT }).run);
  const parentOf = new Map(mapped.map((run) => [run.id, run.parent_run_id]));
  const depth = (id) => {
    let d = depthById.get(id);
    if (d !== undefined) return d;
    const parent = parentOf.get(id);
    d = parent ? depth(parent) + 1 : 0;
    depthById.set(id, d);
    return d;
  };
  return mapped.map((run) => ({ id: run.id, body: JSON.stringify(run), depth: depth(run.id) }));
}

export function generateWorkload(shapes = Object.keys(GENERATORS)) {
  const workload = {};
  for (const shape of shapes) {
    const spans = generateShape(shape);
    const bodies = runBodies(spans);
    const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b.body), 0);
    workload[shape] = { shape, description: SHAPES[shape], traces: TRACES[shape], spans, bodies, avgBodyBytes: Math.round(bytes / bodies.length), totalBodyBytes: bytes };
  }
  return workload;
}
