import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ParentInfo } from '../ordering/parent-gate.js';
import type { RunFailureKind } from './export-call.js';
import type { RunSettlement } from './settlement.js';

/** What the delivery worker needs: the configuration without the hooks (functions stay on the application thread). */
export type WorkerConfig = Omit<ResolvedConfig, 'privacy' | 'spanFilter' | 'transformRun'>;

/** Work for the delivery worker, in the order the exporter produced it. */
export type WorkItem =
  | { kind: 'submit'; callId: number; id: string; parentId: string | undefined; body: string; startMicros: number; heldSince?: number }
  /** A parent already stored by the server (the bridge's journal after a restart). */
  | { kind: 'ack'; id: string; parent: ParentInfo }
  | { kind: 'drop'; callId: number; id: string; parentId: string | undefined }
  | { kind: 'seal'; callId: number };

export type ToWorker =
  /** `reportSettled`: send each run's final state back (`settled`), for the bridge's journal. */
  | { type: 'init'; config: WorkerConfig; stats: SharedArrayBuffer; reportSettled: boolean }
  | { type: 'items'; items: WorkItem[] }
  | { type: 'flush'; requestId: number }
  | { type: 'shutdown'; requestId: number; keepHeld: boolean };

/** An export() result as structured clone carries it (LangSmithExportError rebuilt on arrival). */
export interface CallResult {
  code: number;
  error?: { message: string; counts: Record<RunFailureKind, number>; timedOut: boolean; pending: number };
}

export type FromWorker =
  | { type: 'done'; callId: number; result: CallResult }
  | { type: 'answered'; requestId: number }
  /** Runs that reached a final state, batched per turn of the worker's event loop. */
  | { type: 'settled'; runs: RunSettlement[] }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'; message: string };
