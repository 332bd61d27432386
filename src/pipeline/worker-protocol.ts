import type { ResolvedConfig } from '../config/resolve-config.js';
import type { RunFailureKind } from './export-call.js';

/** What the delivery worker needs: the configuration without the hooks (functions stay on the application thread). */
export type WorkerConfig = Omit<ResolvedConfig, 'privacy' | 'spanFilter' | 'transformRun'>;

/** Work for the delivery worker, in the order the exporter produced it. */
export type WorkItem =
  | { kind: 'submit'; callId: number; id: string; parentId: string | undefined; body: string; startMicros: number }
  | { kind: 'drop'; callId: number; id: string; parentId: string | undefined }
  | { kind: 'seal'; callId: number };

export type ToWorker =
  | { type: 'init'; config: WorkerConfig; stats: SharedArrayBuffer }
  | { type: 'items'; items: WorkItem[] }
  | { type: 'flush'; requestId: number }
  | { type: 'shutdown'; requestId: number };

/** An export() result as structured clone carries it (LangSmithExportError rebuilt on arrival). */
export interface CallResult {
  code: number;
  error?: { message: string; counts: Record<RunFailureKind, number>; timedOut: boolean; pending: number };
}

export type FromWorker =
  | { type: 'done'; callId: number; result: CallResult }
  | { type: 'answered'; requestId: number }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'; message: string };
