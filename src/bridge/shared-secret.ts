import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <secret>` in constant time: both sides are hashed first, so the
 * comparison has equal lengths and reveals neither the secret's length nor a matching prefix.
 */
export function sharedSecretCheck(secret: string | undefined): (authorization: string | undefined) => boolean {
  if (secret === undefined) return () => true;
  const expected = digest(secret);
  return (authorization) => {
    const match = /^Bearer[ \t]+(.+)$/i.exec(authorization?.trim() ?? '');
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
