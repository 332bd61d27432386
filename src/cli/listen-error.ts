/** The `code` of a listen() error, looking through causes. */
function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** Why a server could not start listening on host:port, and what to do, in one line. */
export function explainListenError(error: unknown, host: string, port: number): string {
  const code = errorCode(error);
  if (code === 'EADDRINUSE') {
    const next = port === 0 || port >= 65535 ? 1985 : port + 1;
    return (
      `port ${port} on ${host} is already in use (another otel-langsmith dev, or another server): stop that one, ` +
      `or start on another port with --port N (e.g. --port ${next}; --port 0 picks a free one) and point LANGSMITH_ENDPOINT at it`
    );
  }
  if (code === 'EACCES') return `not allowed to listen on port ${port} of ${host} (ports below 1024 need privileges): use --port N with N of 1024 or more`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine: use --host 127.0.0.1 or an address it has`;
  return error instanceof Error ? error.message : String(error);
}
