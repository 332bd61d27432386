import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/** What the bridge answers once the exporter called back. */
export type ExportVerdict =
  /** Everything delivered (or held waiting for a parent, which counts as accepted). */
  | { kind: 'delivered' }
  /** LangSmith refused some runs for good (4xx): resending them would be refused again. 200 + partial_success. */
  | { kind: 'rejected'; runs: number; message: string }
  /** Not delivered for now (retries exhausted, deadline, shutdown): 503, so the sender resends. */
  | { kind: 'transient'; message: string };

const FAILURE_COUNT = /(\d+) runs failed: /;
const DEADLINE = /export deadline of \d+ ms passed/;
const LISTED_FAILURE = /run [0-9a-f-]{36} (rejected with HTTP \d{3}|not delivered:|spooled:)/g;
/** How many failures the exporter lists in its message (it counts them all). */
const LISTED_AT_MOST = 3;

/**
 * Reads the exporter's result for one call. The exporter reports only SUCCESS or FAILED with a
 * message, so the kind of failure comes from that message (`N runs failed: run … rejected with
 * HTTP 422; …`), cross-checked with its `runsFailed` counter: a failure counts as permanent only
 * when every failure is a listed rejection and no run failed transiently anywhere in the exporter
 * while the call ran. Anything unclear is treated as transient: a resend is harmless (run ids are
 * deterministic and LangSmith's 409 counts as delivered), a wrongly reported rejection loses data.
 *
 * @param transientFailuresMeanwhile growth of the exporter's `runsFailed` during the call
 */
export function judgeExport(result: ExportResult, transientFailuresMeanwhile: number): ExportVerdict {
  if (result.code === ExportResultCode.SUCCESS) return { kind: 'delivered' };
  const message = result.error?.message ?? 'export failed';
  const count = FAILURE_COUNT.exec(message);
  if (!count || DEADLINE.test(message) || transientFailuresMeanwhile > 0) return { kind: 'transient', message };
  const failures = Number(count[1]);
  const listed = [...message.matchAll(LISTED_FAILURE)].map((m) => m[1]!);
  const allRejected = listed.length === Math.min(failures, LISTED_AT_MOST) && listed.every((kind) => kind.startsWith('rejected'));
  return allRejected && failures > 0 ? { kind: 'rejected', runs: failures, message } : { kind: 'transient', message };
}
