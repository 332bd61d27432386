import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunCreate } from 'otel-langsmith';
import { safeCut, serializeWithinBudget } from '../../src/shaping/size-budget.js';

const run = (inputs: Record<string, unknown>): RunCreate => ({ id: 'x', name: 'n', run_type: 'chain', inputs, start_time: 't' });

describe('serializeWithinBudget', () => {
  it('leaves a run that fits alone', () => {
    const r = run({ q: 'hi' });
    expect(serializeWithinBudget(r, 10_000)).toEqual({ body: JSON.stringify(r), cuts: [] });
  });

  it('never splits a surrogate pair', () => {
    const text = `ab😀cd`;
    expect(safeCut(text, 3)).toBe(2);
    expect(safeCut(text, 4)).toBe(4);
  });

  it('falls back to replacing whole sections when thousands of small strings are too many', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(100)]));
    const { body, cuts } = serializeWithinBudget(run(many), 8192);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(8192);
    expect(cuts).toContain('sections');
    expect(JSON.parse(body).inputs.note).toMatch(/removed/);
  });

  it('property: any strings, the body fits the budget, is valid JSON, and has no lone surrogate from a cut', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 3000 }), { maxLength: 30 }), (strings) => {
        const { body } = serializeWithinBudget(run({ strings }), 4096);
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
        const parsed = JSON.parse(body) as RunCreate;
        expect(JSON.stringify(parsed)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
      }),
      { numRuns: 200 },
    );
  });
});
