import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/ordering/recent-map.js';

describe('RecentMap', () => {
  it('property: always holds the newest floor(capacity / 2) keys with their latest values, and never more than capacity keys', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const map = new RecentMap<number, number>(capacity);
        // The model: keys in recency order (newest last) with their values.
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            map.set(o.key, o.value);
            model.delete(o.key);
            model.set(o.key, o.value);
          } else {
            const had = map.has(o.key);
            expect(map.delete(o.key)).toBe(had);
            expect(map.has(o.key)).toBe(false);
            model.delete(o.key);
          }
          expect(map.size).toBeLessThanOrEqual(capacity);
          const newest = [...model.entries()].slice(-Math.floor(capacity / 2));
          for (const [key, value] of newest) expect(map.get(key)).toBe(value);
          // Nothing deleted or never set is remembered.
          for (let key = 0; key <= 40; key++) if (!model.has(key)) expect(map.has(key)).toBe(false);
        }
      }),
    );
  });

  it('tells a remembered null from an absent key', () => {
    const map = new RecentMap<string, string | null>(4);
    map.set('root', null);
    expect(map.get('root')).toBeNull();
    expect(map.has('root')).toBe(true);
    expect(map.get('other')).toBeUndefined();
  });

  it('forgets the oldest generation at once when the newest is full, and a key set again counts as new', () => {
    const map = new RecentMap<string, number>(4); // generations of 2
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3); // a, b become the older generation
    map.set('a', 4); // a moves to the newest generation: c, a
    map.set('d', 5); // c, a become the older generation; b is forgotten
    expect(map.has('b')).toBe(false);
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([4, 3, 5]);
    expect(map.size).toBe(3);
  });
});
