import { decodeJsonLogsRequest } from './decode-json.js';
import { decodeProtobufLogsRequest } from './decode-protobuf.js';
import type { OtlpFormat, PartialSuccess } from './encode-response.js';
import type { OtlpLogsRequest } from './otlp-model.js';
import { accepted, decodeOrRefuse, refuseOverCount, type ReceiveContext, type ReceiveOutcome } from './receive-traces.js';
import { toSpanLogRecords } from './to-span-log-records.js';

const DECODERS: Record<OtlpFormat, (body: Uint8Array) => OtlpLogsRequest> = {
  protobuf: decodeProtobufLogsRequest,
  json: decodeJsonLogsRequest,
};

/**
 * What the bridge does with an OTLP logs export once its bytes are in hand, for both receivers
 * (`POST /v1/logs`, `LogsService/Export`): the same steps and answers as receive-traces.ts's
 * (the outcome table there), for log records. The count cap is `maxSpansPerRequest`, on log
 * records: ExportLogsServiceRequest nests its records exactly where ExportTraceServiceRequest
 * nests its spans (resource_logs(1).scope_logs(2).log_records(2)), so the same raw-byte walk
 * counts them.
 *
 * Accepted means: the GenAI records are waiting for their span or joined to it (log-join.ts), and
 * with a data directory, written and fsynced first, kept until their span's run settles or they
 * are given up on. Records with invalid ids, or undecodable, are reported in `partial_success`;
 * records that are not GenAI events have nowhere in a run to go: counted, not rejected.
 */
export async function receiveLogs(ctx: ReceiveContext, body: Uint8Array, format: OtlpFormat): Promise<ReceiveOutcome> {
  const { counters, options } = ctx;
  const tooMany = refuseOverCount(ctx, body, format, 'log records');
  if (tooMany) return tooMany;
  const decoded = decodeOrRefuse(ctx, DECODERS[format], body);
  if ('refusal' in decoded) return decoded.refusal;
  const { request } = decoded;
  const { records, ignored, withoutSpan, rejected, reasons } = toSpanLogRecords(request);
  ctx.logJoin.countSkipped(records.length + ignored + withoutSpan + rejected, ignored, withoutSpan);
  const partial: PartialSuccess | undefined = rejected ? { rejectedSpans: rejected, errorMessage: `${rejected} log records rejected: ${reasons.join('; ')}` } : undefined;
  if (records.length === 0) return accepted(partial);

  if (ctx.durability) {
    const full = ctx.durability.refusal(body.length);
    if (full) {
      counters.unavailable++;
      return { kind: 'retry', reason: 'unavailable', message: full, retryAfterSeconds: options.retryAfterSeconds };
    }
    // GenAI spans wait from now on, while the request is written; the records join once it is on disk.
    ctx.logJoin.noteLogsFlowing();
    const spanIds = [...new Set(records.map((record) => record.spanId))];
    try {
      await ctx.durability.appendLogs(body, format, spanIds);
    } catch (error) {
      counters.unavailable++;
      return {
        kind: 'retry',
        reason: 'unavailable',
        message: `could not write the request to the data directory, retry: ${(error as Error).message}`,
        retryAfterSeconds: options.retryAfterSeconds,
      };
    }
    const kept = new Set(ctx.logJoin.addRecords(records));
    // Records counted late (their span was sent already) are final: nothing to keep for them.
    for (const spanId of spanIds) if (!kept.has(spanId)) ctx.durability.releaseLogs(spanId);
    return accepted(partial);
  }
  ctx.logJoin.addRecords(records);
  return accepted(partial);
}
