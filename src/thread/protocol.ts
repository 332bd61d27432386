import type { DeliveryConfig } from '../pipeline/assemble.js';
import type { RunSubmission } from '../pipeline/run-pipeline.js';
import type { RunSettlement } from '../pipeline/settlement.js';
import type { CounterName } from '../pipeline/stats.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import type { PrivacyPolicy } from '../shaping/privacy.js';
import type { CallResult } from './call-result.js';
import type { SpanSnapshot } from './span-snapshot.js';

/**
 * What the delivery worker needs: the configuration without the function hooks, which cannot
 * cross threads. `privacy` holds only booleans, and only when the worker maps spans.
 */
export type WorkerConfig = DeliveryConfig & { privacy: { [K in keyof PrivacyPolicy]?: boolean } };

/** Work for the delivery worker, in the order the exporter produced it. */
export type WorkItem =
  /** An ended span, to be mapped in the worker (no function hook is set). */
  | { kind: 'span'; callId: number; span: SpanSnapshot; heldSince: number | undefined }
  /** A run mapped on the application thread (function hooks are set, or the span could not be copied). */
  | { kind: 'submit'; callId: number; run: RunSubmission }
  | { kind: 'drop'; callId: number; id: string; parentId: string | undefined }
  | { kind: 'seal'; callId: number }
  /** A parent already stored by the server (the bridge's journal after a restart). */
  | { kind: 'ack'; id: string; parent: ParentInfo }
  /** Span counts of spans mapped on the application thread while the worker maps (each counter has one writer). */
  | { kind: 'count'; counts: Partial<Record<CounterName, number>> };

export type ToWorker =
  /** `mapSpans`: the worker maps spans; `reportSettled`: send each run's final state back, for the bridge's journal. */
  /** `yieldToApplication`: lower the worker's scheduling priority (not for the bridge, whose receiving is no application). */
  | { type: 'init'; config: WorkerConfig; stats: SharedArrayBuffer; reportSettled: boolean; mapSpans: boolean; yieldToApplication: boolean }
  | { type: 'items'; items: WorkItem[] }
  | { type: 'flush'; requestId: number }
  /** Answered once the items posted before it are taken (messages arrive in order). */
  | { type: 'sync'; requestId: number }
  | { type: 'shutdown'; requestId: number; keepHeld: boolean };

export type FromWorker =
  | { type: 'done'; callId: number; result: CallResult }
  | { type: 'answered'; requestId: number }
  /** Runs that reached a final state, batched per turn of the worker's event loop. */
  | { type: 'settled'; runs: RunSettlement[] }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'; message: string };
