import { diag } from '@opentelemetry/api';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

const HOOK = '@opentelemetry/instrumentation/hook.mjs';

/**
 * Registers OpenTelemetry's ESM loader hook (import-in-the-middle), without which instrumentations
 * cannot patch what an ES module application `import`s, `node:http` included. It is resolved from
 * the auto-instrumentations package, so the hook and the instrumentations share one
 * import-in-the-middle. Needs Node >= 20.6 (`module.register`); returns whether it was registered.
 */
export function registerEsmHook(autoInstrumentationsPath: string): boolean {
  const register = (nodeModule as { register?: (specifier: string, options?: { parentURL?: string }) => void }).register;
  if (typeof register !== 'function') {
    diag.warn(`otel-langsmith/register: this Node.js has no module.register(); ES modules are not auto-instrumented (CommonJS ones are)`);
    return false;
  }
  try {
    const hookPath = nodeModule.createRequire(autoInstrumentationsPath).resolve(HOOK);
    register(pathToFileURL(hookPath).href, { parentURL: pathToFileURL(autoInstrumentationsPath).href });
    return true;
  } catch (error) {
    diag.warn(`otel-langsmith/register: could not register ${HOOK}; ES modules are not auto-instrumented (CommonJS ones are)`, error);
    return false;
  }
}
