// Placeholder for otel-langsmith/register (zero-code start); implemented in src/register/.
export {};
