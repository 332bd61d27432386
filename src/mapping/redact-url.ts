/**
 * Query parameters that carry credentials or signatures in the wild (pre-signed S3/GCS/Azure URLs,
 * OAuth tokens, API keys in query strings). Compared lower-case.
 */
const SECRET_PARAMS = new Set([
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-credential',
  'awsaccesskeyid',
  'signature',
  'sig',
  'x-goog-signature',
  'x-goog-credential',
  'googleaccessid',
  'se',
  'sv',
  'skoid',
  'sktid',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'client_secret',
  'api_key',
  'apikey',
  'key',
  'code',
  'password',
  'secret',
]);

export const REDACTED = 'REDACTED';

/**
 * A URL with its user info and secret query values replaced by `REDACTED`; relative targets
 * (`/path?token=x`) get their query redacted. Text with nothing to redact comes back unchanged.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  let relative = false;
  try {
    url = new URL(raw);
  } catch {
    try {
      url = new URL(raw, 'http://relative.invalid');
      relative = true;
    } catch {
      return redactText(raw);
    }
  }
  let changed = false;
  if (url.username) {
    url.username = REDACTED;
    changed = true;
  }
  if (url.password) {
    url.password = REDACTED;
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  if (!changed) return raw; // never reformat what holds nothing secret
  const text = url.toString();
  return relative ? text.slice('http://relative.invalid'.length) : text;
}

/** What cannot be parsed as a URL: user info after `//` and the values of secret parameters, by pattern. */
function redactText(raw: string): string {
  return raw
    .replace(/\/\/[^/?#\s@]*@/g, `//${REDACTED}:${REDACTED}@`)
    .replace(/([?&;])([^=&#\s]+)=([^&#\s]*)/g, (match, separator: string, name: string) =>
      SECRET_PARAMS.has(name.toLowerCase()) ? `${separator}${name}=${REDACTED}` : match,
    );
}
