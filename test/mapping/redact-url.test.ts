// redactUrl scans simple absolute URLs itself instead of parsing them with WHATWG URL (a fifth of
// the cost of mapping a small trace with one URL). The scan must find every secret the parser
// would: these properties hold it to the parser's reading of the same text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretParam, redactParsedUrl, redactSimpleUrl, redactUrl } from '../../src/mapping/redact-url.js';

const SECRET_NAMES = ['token', 'TOKEN', 'Access_Token', 'x-amz-signature', 'X-Amz-Credential', 'sig', 'code', 'api_key', 'apikey', 'key', 'password'];
const PLAIN_NAMES = ['page', 'expand', 'q', 'a+b', 'tokens', 'keys', 'state', ''];

/** Text made of characters that mean something to a URL parser, and some that do not. */
const urlText = (chars: string, maxLength = 12) => fc.array(fc.constantFrom(...chars.split('')), { maxLength }).map((a) => a.join(''));
const URL_CHARS = 'ab:@/?#&=;%+.-_~!$()*,\'[]\\ \tAé2';

const messyUrlArb = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTPS', 'ws', 'postgres', 'redis', 'foo', 'file'),
    fc.constantFrom('://', ':///', '://', ':/', ':\\\\'),
    urlText(URL_CHARS),
    fc.constantFrom('example.com', '127.0.0.1', '[::1]', 'h', 'a:99999', 'x.y:8080', ''),
    urlText(URL_CHARS),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...SECRET_NAMES, ...PLAIN_NAMES), urlText('aks%2=+')), urlText(URL_CHARS, 6)), { maxLength: 4 }),
    fc.option(urlText(URL_CHARS, 6)),
  )
  .map(([scheme, slashes, userInfo, host, path, params, fragment]) => {
    const query = params.length ? `?${params.map(([n, v]) => `${n}=${v}`).join('&')}` : '';
    return `${scheme}${slashes}${userInfo}${userInfo ? '@' : ''}${host}${path}${query}${fragment === null ? '' : `#${fragment}`}`;
  });

function parsed(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const plainEntries = (url: URL) => [...url.searchParams].filter(([name]) => !isSecretParam(name));

/** What the WHATWG parser reads in the output: no secret left. */
function expectNoSecretForTheParser(raw: string, out: string): URL | undefined {
  const before = parsed(raw);
  if (!before) return undefined;
  const after = parsed(out);
  expect(after, `${out} no longer parses`).toBeDefined();
  for (const [name, value] of after!.searchParams) if (isSecretParam(name)) expect(value, `${name} in ${out}`).toBe('REDACTED');
  expect(['', 'REDACTED']).toContain(after!.username);
  expect(['', 'REDACTED']).toContain(after!.password);
  return before;
}

/** ... and, for the scan, everything else as in the input: the scan never rewrites the rest. */
function expectRedactedLikeTheParser(raw: string, out: string): void {
  const before = expectNoSecretForTheParser(raw, out);
  if (!before) return;
  const after = new URL(out);
  expect(plainEntries(after)).toEqual(plainEntries(before));
  expect([after.protocol, after.host, after.pathname, after.hash]).toEqual([before.protocol, before.host, before.pathname, before.hash]);
  const holdsSecrets = before.username !== '' || before.password !== '' || [...before.searchParams.keys()].some(isSecretParam);
  if (!holdsSecrets) expect(out).toBe(raw);
}

describe('redactUrl', () => {
  it('scans simple URLs to the same effect as parsing them', () => {
    fc.assert(
      fc.property(messyUrlArb, (raw) => {
        const scanned = redactSimpleUrl(raw);
        if (scanned !== undefined && /^[a-z][a-z0-9+.-]*:\/\/(?!\/)[^\\\s]*$/i.test(raw)) expectRedactedLikeTheParser(raw, scanned);
        expectNoSecretForTheParser(raw, redactUrl(raw));
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves no secret of a well-formed URL in its output, whether the parser accepts it or not', () => {
    const safe = (chars: string) => urlText(chars, 8).filter((t) => !t.includes('S3CR'));
    fc.assert(
      fc.property(
        fc.constantFrom('https', 'postgres', 'foo'),
        fc.option(safe('abAB09-._~')),
        fc.constantFrom('example.com', 'a:99999', '[::1]:80', 'db1,db2'),
        safe('abc/@:=%20'),
        fc.array(fc.tuple(fc.constantFrom(...SECRET_NAMES, ...PLAIN_NAMES), fc.boolean()), { maxLength: 4 }),
        (scheme, user, host, path, params) => {
          const userInfo = user === null ? '' : `${user}:S3CRpass@`;
          const query = params.map(([name, secret], i) => `${name}=${secret && isSecretParam(name) ? `S3CR${i}` : `v${i}`}`).join('&');
          const raw = `${scheme}://${userInfo}${host}/${path.replace(/^\/+/, '')}${query ? `?${query}` : ''}`;
          expect(redactUrl(raw)).not.toContain('S3CR');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps what it does not redact as written, where the parser would re-encode it', () => {
    const raw = 'https://alice:hunter2@shop.example.com/a%20b/c?q=caf%C3%A9+au+lait&token=T0K3N&token=again&x=1#frag?token=t';
    expect(redactUrl(raw)).toBe('https://REDACTED:REDACTED@shop.example.com/a%20b/c?q=caf%C3%A9+au+lait&token=REDACTED&token=REDACTED&x=1#frag?token=t');
    // The parser's version of the same (both occurrences' values gone, the rest re-encoded):
    expect(redactParsedUrl(raw)).toBe('https://REDACTED:REDACTED@shop.example.com/a%20b/c?q=caf%C3%A9+au+lait&token=REDACTED&x=1#frag?token=t');
  });

  it('hands URLs it does not read simply to the parser', () => {
    expect(redactSimpleUrl('https://h/?to%6Ben=T0K3N')).toBeUndefined(); // an encoded name
    expect(redactUrl('https://h/?to%6Ben=T0K3N')).toBe('https://h/?token=REDACTED');
    expect(redactUrl('https:///alice:hunter2@h/')).not.toContain('hunter2'); // slashes a special scheme skips
    expect(redactUrl('https://h\\x?token=T0K3N')).not.toContain('T0K3N'); // a backslash is a path separator
    expect(redactUrl('https://example.com/no/secrets/here')).toBe('https://example.com/no/secrets/here');
  });
});
