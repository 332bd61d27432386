// The key-start gate in readConventions skips a convention for spans whose keys cannot make
// it apply. It must never change what a span maps to: a convention it skips would have found nothing.
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONVENTIONS, keyStartMatches, mayApply, readConventions, type Convention, type SpanView } from '../../src/mapping/conventions/index.js';

// Keys of every convention (and their near misses), with values that make them mean something.
const KEYS = [
  'langsmith.span.kind', 'langsmith.trace.name', 'langsmith.span.tags', 'langsmith.trace.session_name', 'langsmith.metadata.user',
  'langsmith.usage_metadata', 'openinference.span.kind', 'input.value', 'input.mime_type', 'output.value', 'llm.model_name',
  'llm.input_messages.0.message.role', 'llm.input_messages.0.message.content', 'llm.token_count.prompt', 'llm.request.type',
  'embedding.model_name', 'retrieval.documents.0.document.content', 'tool.name', 'tool_call.function.arguments', 'metadata', 'tag.tags',
  'session.id', 'user.id', 'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.input.messages',
  'gen_ai.prompt.0.role', 'gen_ai.prompt.0.content', 'gen_ai.completion.0.content', 'gen_ai.usage.input_tokens', 'traceloop.span.kind',
  'traceloop.entity.name', 'traceloop.entity.input', 'traceloop.association.properties.thread', 'ai.operationId', 'operation.name',
  'ai.model.id', 'ai.prompt.messages', 'ai.response.text', 'ai.usage.promptTokens', 'http.request.method', 'http.method', 'url.full',
  'http.route', 'http.response.status_code', 'server.address', 'db.system.name', 'db.query.text', 'app.step', 'Upper.case', '_private', '1st',
];
const VALUES: unknown[] = [
  'LLM', 'CHAIN', 'TOOL', 'llm', 'chain', 'chat', 'execute_tool', 'GET', 'POST', 'ai.generateText', 'ai.generateText.doGenerate', 'ai.toolCall',
  'openai', 'gpt-4o', '{"a":1}', '[{"role":"user","content":"hi"}]', '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
  'application/json', 'https://example.com/a?b=c', 'a,b', '', 3, 0, true, ['x', 'y'],
];
const EVENT_NAMES = ['gen_ai.user.message', 'gen_ai.choice', 'exception', 'ai.stream.firstChunk', 'note'];

const attributesArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 20 }))), { maxLength: 8 })
  .map((pairs) => {
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of pairs) Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
    return attributes as Attributes;
  });

const spanArb: fc.Arbitrary<SpanView> = fc.record({
  name: fc.constantFrom('GET', 'chat gpt-4o', 'work', 'ai.generateText'),
  kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT),
  attributes: attributesArb,
  resource: fc.constantFrom<Attributes>({}, { 'service.name': 's' }, { 'langsmith.trace.session_name': 'from-resource' }),
  events: fc.array(fc.constantFrom(...EVENT_NAMES), { maxLength: 2 }).map((names) =>
    names.map((name): TimedEvent => ({ name, time: [1_700_000_000, 0], attributes: { content: 'hi', role: 'user' }, droppedAttributesCount: 0 })),
  ),
});

describe('the gate that skips conventions a span has no keys of', () => {
  it('only skips a convention that would have read nothing from the span', () => {
    fc.assert(
      fc.property(spanArb, (span) => {
        const matches = keyStartMatches(CONVENTIONS, span.attributes);
        CONVENTIONS.forEach((convention, index) => {
          if (!mayApply(convention, index, span, matches)) expect(convention.read(span), convention.id).toBeUndefined();
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves the merged result as reading every convention would make it', () => {
    const ungated = CONVENTIONS.map((convention): Convention => ({ id: convention.id, read: (span) => convention.read(span) }));
    fc.assert(
      fc.property(spanArb, (span) => {
        expect(readConventions(CONVENTIONS, span)).toEqual(readConventions(ungated, span));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not call a convention whose key starts the span lacks, and always calls one that declares none', () => {
    const calls: string[] = [];
    const declared: Convention = { id: 'declared', keyStarts: ['zeta.'], read: () => void calls.push('declared') };
    const beyond: Convention = { id: 'beyond', keyStarts: ['zeta.'], appliesBeyondKeys: (span) => span.events.length > 0, read: () => void calls.push('beyond') };
    const open: Convention = { id: 'open', read: () => void calls.push('open') };
    const view = (attributes: Attributes, events: TimedEvent[] = []): SpanView => ({ name: 'n', kind: SpanKind.INTERNAL, attributes, resource: {}, events });

    readConventions([declared, beyond, open], view({ 'app.id': 1 }));
    expect(calls).toEqual(['open']);
    calls.length = 0;
    readConventions([declared, beyond, open], view({ 'app.id': 1, 'zone.name': 'z' }));
    expect(calls).toEqual(['open']); // same first character, another beginning
    calls.length = 0;
    readConventions([declared, beyond, open], view({ 'app.id': 1, 'zeta.name': 'z' }));
    expect(calls).toEqual(['declared', 'beyond', 'open']);
    calls.length = 0;
    readConventions([declared, beyond, open], view({}, [{ name: 'e', time: [0, 0], droppedAttributesCount: 0 }]));
    expect(calls).toEqual(['beyond', 'open']);
  });

  it('reads a convention whose key start is empty or beyond ASCII for any key, and sees a list that changed in place', () => {
    const calls: string[] = [];
    const any: Convention = { id: 'any', keyStarts: [''], read: () => void calls.push('any') };
    const zeta: Convention = { id: 'zeta', keyStarts: ['zeta.'], read: () => void calls.push('zeta') };
    const view: SpanView = { name: 'n', kind: SpanKind.INTERNAL, attributes: { 'app.id': 1, 'zeta.x': 2 }, resource: {}, events: [] };
    readConventions([any], view);
    expect(calls).toEqual(['any']);

    calls.length = 0;
    const umlaut: Convention = { id: 'umlaut', keyStarts: ['ä.'], read: () => void calls.push('umlaut') };
    readConventions([umlaut], { ...view, attributes: { 'ä.x': 1 } }); // starts beyond ASCII are never skipped
    expect(calls).toEqual(['umlaut']);

    const list: Convention[] = [any];
    readConventions(list, view);
    list.unshift(zeta); // the gate worked out for the old list must not be used for the new one
    calls.length = 0;
    readConventions(list, view);
    expect(calls).toEqual(['zeta', 'any']);
  });
});
