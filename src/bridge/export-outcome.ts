import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { LangSmithExportError } from '../pipeline/export-call.js';

/** What the bridge answers once the exporter called back. */
export type ExportVerdict =
  /** Everything delivered (or held waiting for a parent, which counts as accepted). */
  | { kind: 'delivered' }
  /** LangSmith refused some runs for good (4xx): resending them would be refused again. 200 + partial_success. */
  | { kind: 'rejected'; runs: number; message: string }
  /** Not delivered for now (retries exhausted, deadline, spooled, shutdown): 503, so the sender resends. */
  | { kind: 'transient'; message: string };

/**
 * Reads the exporter's result for one call. Only refusals for good, with nothing else wrong,
 * count as rejected; anything else or unclear is transient: a resend is harmless (run ids are
 * deterministic and 409 counts as delivered), a wrongly reported rejection loses data.
 */
export function judgeExport(result: ExportResult): ExportVerdict {
  if (result.code === ExportResultCode.SUCCESS) return { kind: 'delivered' };
  const error = result.error;
  const message = error?.message ?? 'export failed';
  if (!(error instanceof LangSmithExportError)) return { kind: 'transient', message };
  const { rejected, failed, spooled } = error.counts;
  if (error.timedOut || failed > 0 || spooled > 0 || rejected === 0) return { kind: 'transient', message };
  return { kind: 'rejected', runs: rejected, message };
}
