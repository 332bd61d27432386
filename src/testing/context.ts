import type { FaultQueue } from './faults.js';
import type { RequestLog } from './request-log.js';
import type { RunStore } from './store.js';
import type { TraceQuietWatch } from './trace-quiet.js';

/** State shared by the request handlers of one local server. */
export interface ServerContext {
  maxBodyBytes: number;
  checkApiKey(header: string | undefined): boolean;
  store: RunStore;
  faults: FaultQueue;
  requestLog: RequestLog;
  traceWatch: TraceQuietWatch;
  /** Aborted by close(), to cut injected delays short. */
  shutdown: AbortSignal;
  reset(): void;
}
