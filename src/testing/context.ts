import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventFeed } from './events.js';
import type { FaultQueue } from './faults.js';
import type { FeedbackStore } from './feedback.js';
import type { KeyRateLimit } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import type { RunStore } from './store.js';
import type { TraceQuietWatch } from './trace-quiet.js';

/** State shared by the request handlers of one local server. */
export interface ServerContext {
  maxBodyBytes: number;
  /** `size_limit` of batch ingestion: most post + patch entries in one `POST /runs/batch`. */
  maxBatchRuns: number;
  checkApiKey(header: string | undefined): boolean;
  store: RunStore;
  feedback: FeedbackStore;
  faults: FaultQueue;
  /** The per-key request limit, when on. */
  rateLimit: KeyRateLimit | undefined;
  requestLog: RequestLog;
  traceWatch: TraceQuietWatch;
  events: EventFeed;
  extraRoutes: ((req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>) | undefined;
  /** Aborted by close(), to cut injected delays short. */
  shutdown: AbortSignal;
  reset(): void;
}
