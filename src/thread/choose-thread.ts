import { availableParallelism } from 'node:os';

/**
 * Environment variables that mark a serverless function runtime, where each cold start would pay
 * for starting a thread (tens of milliseconds) and the process is frozen between invocations
 * anyway: there `'auto'` delivers on the application thread.
 */
export const SERVERLESS_ENV_VARS = [
  'AWS_LAMBDA_FUNCTION_NAME', // AWS Lambda (and Netlify and Vercel functions, which run on it)
  'FUNCTION_TARGET', // Google Cloud Functions (the Functions Framework)
  'FUNCTIONS_WORKER_RUNTIME', // Azure Functions
  'VERCEL', // Vercel functions
] as const;

export interface ThreadChoice {
  thread: 'main' | 'worker';
  /** Why, in words for a log line or the doctor. */
  reason: string;
}

/**
 * `deliveryThread: 'auto'` (the default): the worker thread when a core is to spare and the
 * runtime is not serverless, the application thread otherwise. `'main'` and `'worker'` are taken
 * as said.
 */
export function chooseThread(setting: 'auto' | 'main' | 'worker', env: Readonly<Record<string, string | undefined>>, cores = availableParallelism()): ThreadChoice {
  if (setting !== 'auto') return { thread: setting, reason: `deliveryThread: '${setting}'` };
  const serverless = SERVERLESS_ENV_VARS.find((name) => env[name]);
  if (serverless) return { thread: 'main', reason: `'auto': a serverless runtime (${serverless} is set)` };
  if (cores < 2) return { thread: 'main', reason: `'auto': ${cores} core available, none to spare for a worker` };
  return { thread: 'worker', reason: `'auto': ${cores} cores available` };
}
