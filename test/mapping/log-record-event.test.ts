import { describe, expect, it } from 'vitest';
import { isGenAiLogRecord, logRecordToSpanEvent } from '../../src/mapping/log-record-event.js';

const base = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), time: [1, 2] as [number, number] };

describe('a log record joined to its span becomes one span event', () => {
  it('is named by EventName, else by the event.name attribute, and only gen_ai.* records join', () => {
    expect(isGenAiLogRecord({ eventName: 'gen_ai.user.message', attributes: {} })).toBe(true);
    expect(isGenAiLogRecord({ attributes: { 'event.name': 'gen_ai.choice' } })).toBe(true);
    expect(isGenAiLogRecord({ attributes: { 'event.name': 'http.request' } })).toBe(false);
    expect(isGenAiLogRecord({ attributes: {} })).toBe(false);
    const event = logRecordToSpanEvent({ ...base, attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' } });
    expect(event).toEqual({ name: 'gen_ai.choice', time: [1, 2], attributes: { 'gen_ai.system': 'openai' } });
  });

  it('spreads a map body into attributes, JSON-encoding what a span attribute cannot hold', () => {
    const event = logRecordToSpanEvent({
      ...base,
      eventName: 'gen_ai.choice',
      attributes: { 'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }] },
      body: { index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', tool_calls: [{ id: 'c1' }] }, tags: ['a', 'b'] },
    });
    expect(event.attributes).toEqual({
      index: 0,
      finish_reason: 'tool_calls',
      message: '{"role":"assistant","tool_calls":[{"id":"c1"}]}',
      tags: ['a', 'b'],
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    });
  });

  it('keeps a body that is not a map under `body`, bytes as base64', () => {
    expect(logRecordToSpanEvent({ ...base, eventName: 'gen_ai.x', attributes: {}, body: 'plain' }).attributes).toEqual({ body: 'plain' });
    expect(logRecordToSpanEvent({ ...base, eventName: 'gen_ai.x', attributes: {}, body: new Uint8Array([104, 105]) }).attributes).toEqual({ body: 'aGk=' });
  });
});
