import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { mapSpan } from '../../src/mapping/map-span.js';
import { endedSpan } from '../helpers/tracing.js';

describe('the run thread key', () => {
  const metadata = (span: ReadableSpan) => mapSpan(span, { projectName: 'p' });
  it('is read from every convention that carries one', () => {
    expect(metadata(endedSpan('s', { 'session.id': 'plain' })).thread).toEqual({ session_id: 'plain' });
    expect(metadata(endedSpan('s', { 'session.id': 'plain' })).run.extra!.metadata).toMatchObject({ session_id: 'plain' });
    expect(metadata(endedSpan('s', { 'gen_ai.conversation.id': 'c' })).thread).toEqual({ thread_id: 'c', conversation_id: 'c' });
    expect(metadata(endedSpan('s', { 'langsmith.metadata.thread_id': 't' })).thread).toEqual({ thread_id: 't' });
    expect(metadata(endedSpan('s', { 'traceloop.association.properties.session_id': 'tl' })).thread).toEqual({ session_id: 'tl' });
    expect(metadata(endedSpan('s', { 'ai.operationId': 'ai.generateText', 'ai.telemetry.metadata.conversation_id': 'v' })).thread).toEqual({ conversation_id: 'v' });
    expect(metadata(endedSpan('s', { 'openinference.span.kind': 'CHAIN', metadata: '{"thread_id":"oi"}' })).thread).toEqual({ thread_id: 'oi' });
    expect(metadata(endedSpan('s', {})).thread).toBeUndefined();
    expect(metadata(endedSpan('s', { 'session.id': '' })).thread).toBeUndefined();
  });

  it("never replaces a convention's key with a plain session.id", () => {
    const mapped = metadata(endedSpan('s', { 'session.id': 'plain', 'langsmith.metadata.thread_id': 't' }));
    expect(mapped.thread).toEqual({ thread_id: 't' });
    expect(mapped.run.extra!.metadata).not.toHaveProperty('session_id');
  });
});
