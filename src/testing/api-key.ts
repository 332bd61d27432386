import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * With an expected key, the header must match it; comparing fixed-length digests keeps the
 * comparison constant-time whatever the lengths. Without one, any non-empty key passes, as a
 * real deployment would still demand one.
 */
export function createApiKeyCheck(expected: string | undefined): (header: string | undefined) => boolean {
  if (expected === undefined) return (header) => typeof header === 'string' && header !== '';
  const expectedDigest = digest(expected);
  return (header) => typeof header === 'string' && header !== '' && timingSafeEqual(digest(header), expectedDigest);
}
