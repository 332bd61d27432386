import { describe, expect, it } from 'vitest';
import { backoffMillis, classifyStatus, parseRetryAfter } from '../../src/delivery/retry-policy.js';
import { detailOf } from '../../src/delivery/deliver-with-retry.js';

const policy = { maxAttempts: 6, initialBackoffMillis: 500, maxBackoffMillis: 10_000, maxElapsedMillis: 20_000 };

describe('retry policy', () => {
  it('classifies statuses as LangSmith clients do, 409 being a delivered replay', () => {
    for (const s of [200, 201, 202, 204, 409]) expect(classifyStatus(s)).toBe('delivered');
    for (const s of [408, 425, 429, 500, 502, 503, 504]) expect(classifyStatus(s)).toBe('retryable');
    for (const s of [400, 401, 403, 404, 405, 413, 415, 422, 501]) expect(classifyStatus(s)).toBe('rejected');
  });

  it('backs off exponentially with bounded jitter and a cap', () => {
    expect(backoffMillis(1, policy, () => 0.5)).toBe(500);
    expect(backoffMillis(2, policy, () => 0.5)).toBe(1000);
    expect(backoffMillis(3, policy, () => 0)).toBe(1600);
    expect(backoffMillis(3, policy, () => 1)).toBe(2400);
    expect(backoffMillis(20, policy, () => 0.5)).toBe(10_000);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores malformed values', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });

  it("extracts the server's detail for the log", () => {
    expect(detailOf('{"detail":"Run already exists"}')).toBe('Run already exists');
    expect(detailOf('{"detail":[{"loc":["body","name"]}]}')).toBe('[{"loc":["body","name"]}]');
    expect(detailOf('plain text')).toBe('plain text');
    expect(detailOf('x'.repeat(600)).length).toBe(501);
  });
});
