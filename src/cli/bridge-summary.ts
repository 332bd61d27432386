/** Apart from the command, so `otel-langsmith --help` lists it without loading the bridge (and its optional dependencies). */
export const BRIDGE_SUMMARY = 'receive OTLP traces over HTTP and gRPC (from any SDK or a Collector) and deliver them to LangSmith';
