// BodyEncoder writes request bodies into a shared slab. Each result must be exactly what
// Buffer.from(text) gives, and stay so while later bodies are written after it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyEncoder } from '../../src/transport/body-encoder.js';

// Text of every width: ASCII, two- and three-byte characters, astral pairs, lone surrogates.
const unit = fc.oneof(
  fc.constantFrom('a', '"', '\\', '\n', 'é', 'ß', '€', '中', '😀', '\ud800', '\udfff', '\u0000'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const body = fc.oneof(
  fc.array(unit, { maxLength: 300 }).map((units) => units.join('')),
  // long ones, around and past the slab's limit per body
  fc.tuple(fc.integer({ min: 1000, max: 30_000 }), unit).map(([n, u]) => `{"x":"${u.repeat(n)}"}`),
);

describe('BodyEncoder', () => {
  it("gives Buffer.from's bytes, and earlier results survive the bodies written after them", () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 120 }), (texts) => {
        const encoder = new BodyEncoder();
        const encoded = texts.map((text) => encoder.encode(text));
        texts.forEach((text, i) => expect(encoded[i]!.equals(Buffer.from(text, 'utf8')), `body ${i}`).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('never writes a body into room that holds its characters but not its bytes', () => {
    const encoder = new BodyEncoder();
    for (let filled = 0; filled < 64 * 1024 - 3000; filled += 5000) encoder.encode('a'.repeat(Math.min(5000, 64 * 1024 - 3000 - filled)));
    const euros = '€'.repeat(1500); // 1 500 units, 4 500 bytes: more than the 3 000 left
    expect(encoder.encode(euros).equals(Buffer.from(euros))).toBe(true);
  });

  it('fills one slab with many small bodies before taking another', () => {
    const encoder = new BodyEncoder();
    const first = encoder.encode('{"id":1}');
    const second = encoder.encode('{"id":2}');
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset + first.length);
    expect(encoder.encode('x'.repeat(6000)).buffer).not.toBe(first.buffer); // a long body has its own
  });
});
