/**
 * `otel-langsmith/register`: zero-code start.
 *
 *   node --import otel-langsmith/register app.js     (ESM, Node >= 20.6)
 *   node --require otel-langsmith/register app.js    (CommonJS)
 *
 * Starts a NodeSDK that sends every span to LangSmith, configured only by env vars (LANGSMITH_*,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*, OTEL_LOG_LEVEL), with the Node
 * auto-instrumentations when installed; flushes on exit, SIGTERM and SIGINT. Does nothing under
 * OTEL_SDK_DISABLED=true or LANGSMITH_TRACING=false. Importing it twice (ESM and CommonJS builds
 * included) starts tracing once.
 */
import { startRegistration, type Registration } from './register/start.js';

export type { Registration } from './register/start.js';

const KEY = Symbol.for('otel-langsmith.register');
const holder = globalThis as typeof globalThis & { [KEY]?: Registration };

/** What importing this module did; `registration.shutdown()` flushes before a `process.exit()`. */
export const registration: Registration = (holder[KEY] ??= startRegistration());
