import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { LangSmithExportError, type RunFailureKind } from '../pipeline/export-call.js';

/** An export() result as structured clone carries it: the error's prototype is rebuilt on arrival. */
export interface CallResult {
  code: number;
  error?: { message: string; counts: Record<RunFailureKind, number>; timedOut: boolean; pending: number };
}

const NO_COUNTS: Record<RunFailureKind, number> = { rejected: 0, failed: 0, spooled: 0 };

/** In the worker: the result to send. */
export function toCallResult(result: ExportResult): CallResult {
  const error = result.error;
  if (!error) return { code: result.code };
  if (error instanceof LangSmithExportError) {
    return { code: result.code, error: { message: error.message, counts: { ...error.counts }, timedOut: error.timedOut, pending: error.pending } };
  }
  return { code: result.code, error: { message: String(error.message), counts: { ...NO_COUNTS }, timedOut: false, pending: 0 } };
}

/** On the application thread: the result to give the span processor. */
export function fromCallResult(result: CallResult): ExportResult {
  if (!result.error) return { code: result.code };
  const { message, counts, timedOut, pending } = result.error;
  return { code: ExportResultCode.FAILED, error: new LangSmithExportError(message, counts, timedOut, pending) };
}

/** Every call fails alike when the worker is gone. */
export function failedCall(message: string): CallResult {
  return { code: ExportResultCode.FAILED, error: { message, counts: { ...NO_COUNTS }, timedOut: false, pending: 0 } };
}
