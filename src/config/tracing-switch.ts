type Env = Readonly<Record<string, string | undefined>>;

/**
 * LangSmith's on/off switch, in the order its SDKs read it (`LANGSMITH_` before `LANGCHAIN_`; the
 * first one set decides). LangSmith's own OTel exporter (langsmith-sdk
 * js/src/experimental/otel/exporter.ts, `isEnvTracingEnabled` in js/src/env.ts) answers every
 * export SUCCESS and sends nothing unless it reads "true". Here only an explicit off turns the
 * exporter off: an exporter built in code, or `--import otel-langsmith/register`, was asked to
 * send, so unset means on.
 */
export const TRACING_SWITCHES = ['LANGSMITH_TRACING', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_TRACING'] as const;

/** `NAME=value` when LangSmith's switch is explicitly off (`false` or `0`), else undefined. */
export function tracingSwitchedOff(env: Env): string | undefined {
  for (const name of TRACING_SWITCHES) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    const lower = value.toLowerCase();
    return lower === 'false' || lower === '0' ? `${name}=${value}` : undefined;
  }
  return undefined;
}
