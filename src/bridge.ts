// Placeholder entry point for `otel-langsmith/bridge`; implemented in src/bridge/.
export {};
