import { diag } from '@opentelemetry/api';

/** Most time the flush at exit or on a signal may take before the process is let go. */
export const SHUTDOWN_TIMEOUT_MILLIS = 10_000;

export type ExitSignal = 'SIGTERM' | 'SIGINT';
const SIGNALS: ExitSignal[] = ['SIGTERM', 'SIGINT'];

/** The part of `process` the hooks use (a fake in unit tests). */
export interface ProcessLike {
  readonly pid: number;
  once(event: 'beforeExit', listener: () => void): unknown;
  on(event: ExitSignal, listener: (signal: ExitSignal) => void): unknown;
  off(event: 'beforeExit', listener: () => void): unknown;
  off(event: ExitSignal, listener: (signal: ExitSignal) => void): unknown;
  listenerCount(event: ExitSignal): number;
  kill(pid: number, signal: ExitSignal): unknown;
  /** Without a code: `process.exitCode`, as a natural end would use. */
  exit(): unknown;
}

export interface ExitHookOptions {
  /** Flushes and stops the SDK; called at most once (the result is shared). */
  shutdown: () => Promise<void>;
  timeoutMillis?: number;
  proc?: ProcessLike;
}

export type ShutdownOutcome = 'done' | 'timeout' | 'failed';

export interface ExitHooks {
  /** The bounded shutdown, run once: what beforeExit and the signals call. */
  shutdown(): Promise<ShutdownOutcome>;
  /** Removes the listeners (the SDK was shut down some other way). */
  uninstall(): void;
}

/**
 * Flushes on normal exit (`beforeExit`) and on SIGTERM/SIGINT, each bounded by `timeoutMillis`
 * (at a normal exit the process is then ended with its exit code, whatever is still pending).
 * After a signal, when no other listener handles it, the signal is raised again with the default
 * action restored, so the process ends the way the signal intends (killed by SIGTERM, not exit 0).
 * When the application listens for it too, ending the process is left to the application.
 * Otherwise a second signal during the flush stops waiting.
 */
export function installExitHooks(options: ExitHookOptions): ExitHooks {
  const proc: ProcessLike = options.proc ?? process;
  const timeoutMillis = options.timeoutMillis ?? SHUTDOWN_TIMEOUT_MILLIS;
  let running: Promise<ShutdownOutcome> | undefined;
  let signalled = false;

  const shutdown = (): Promise<ShutdownOutcome> => {
    running ??= bounded(options.shutdown, timeoutMillis);
    return running;
  };
  const uninstall = (): void => {
    proc.off('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) proc.off(signal, onSignal);
  };
  const reraise = (signal: ExitSignal): void => {
    uninstall();
    proc.kill(proc.pid, signal);
  };

  function onBeforeExit(): void {
    // The application has reached its natural end; only the flush keeps it alive. Past the
    // deadline, end it as it would have ended (process.exitCode) rather than wait for retries.
    void shutdown().then((outcome) => {
      if (outcome === 'timeout' && !signalled) proc.exit();
    });
  }

  function onSignal(signal: ExitSignal): void {
    const applicationHandlesIt = proc.listenerCount(signal) > 1;
    if (signalled) {
      if (applicationHandlesIt) return;
      diag.warn(`otel-langsmith: ${signal} again; exiting without waiting for the flush`);
      reraise(signal);
      return;
    }
    signalled = true;
    void shutdown().then(() => {
      if (applicationHandlesIt) uninstall();
      else reraise(signal);
    });
  }

  proc.once('beforeExit', onBeforeExit);
  for (const signal of SIGNALS) proc.on(signal, onSignal);
  return { shutdown, uninstall };
}

/** Never rejects; gives up (with a diag warning) at the deadline. The timer does not keep the process alive. */
async function bounded(task: () => Promise<void>, timeoutMillis: number): Promise<ShutdownOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMillis);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([
      Promise.resolve()
        .then(task)
        .then(() => 'done' as const),
      deadline,
    ]);
    if (outcome === 'timeout') {
      diag.warn(`otel-langsmith: tracing shutdown did not finish within ${timeoutMillis} ms; runs not yet delivered are lost`);
    }
    return outcome;
  } catch (error) {
    diag.error('otel-langsmith: tracing shutdown failed', error);
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}
