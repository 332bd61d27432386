import { diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { FailureLog } from '../diagnostics/failure-log.js';
import { SpanSelector } from '../filtering/span-filter.js';
import { detachFromParent } from '../mapping/adjust.js';
import { mapSpan } from '../mapping/map-span.js';
import { isValidSpanId, runIdOfValidSpanId } from '../mapping/run-id.js';
import { ownRuntime } from '../mapping/runtime-record.js';
import { threadKeyOf } from '../mapping/thread-key.js';
import type { FeedbackCreate } from '../schema/feedback.js';
import type { RunCreate } from '../schema/run.js';
import { applyPrivacy } from '../shaping/privacy.js';
import { serializeWithinBudget } from '../shaping/size-budget.js';
import { REMEMBERED_PARENTS, type RunSubmission } from './run-pipeline.js';
import type { SettlementListener } from './settlement.js';
import type { CounterName } from './stats.js';

/** Where the runs of one export() call go: the pipeline, here or in the delivery worker. */
export interface RunSink {
  submit(run: RunSubmission): void;
  /** A span left out; the runs it lets go are delivered on behalf of the call. */
  drop(id: string, parentId: string | undefined): void;
}

export type IntakeConfig = Pick<ResolvedConfig, 'projectName' | 'remoteParents' | 'privacy' | 'spanFilter' | 'transformRun' | 'maxRunBytes'>;

/**
 * Span in, run out: mapping, the user's filter, privacy and `transformRun` hooks, and the size
 * budget, on whichever thread maps (the application's, or the delivery worker's when no hook is a
 * function). Counts what it receives and never throws.
 */
export class SpanIntake {
  private readonly selector: SpanSelector;

  constructor(
    private readonly config: IntakeConfig,
    private readonly log: FailureLog,
    private readonly counters: Record<CounterName, number>,
    private readonly onSettled: SettlementListener | undefined,
  ) {
    this.selector = new SpanSelector(config.spanFilter, REMEMBERED_PARENTS, (error) =>
      this.log.errorOnce('span-filter', `otel-langsmith: spanFilter threw; spans are kept while it does: ${String(error)}`),
    );
  }

  take(span: ReadableSpan, sink: RunSink, heldSince?: number): void {
    try {
      this.map(span, sink, heldSince);
    } catch (error) {
      // Only a bug can land here; the application must never see it.
      this.counters.spansUnmappable++;
      diag.error('otel-langsmith: span dropped after an unexpected error', error);
      this.settleSpan(span);
    }
  }

  private map(span: ReadableSpan, sink: RunSink, heldSince: number | undefined): void {
    this.counters.spansReceived++;
    let mapped;
    try {
      mapped = mapSpan(span, { projectName: this.config.projectName });
    } catch (error) {
      this.counters.spansUnmappable++;
      this.log.warn('unmappable', `otel-langsmith: span dropped, it cannot become a run: ${(error as Error).message}`);
      this.settleSpan(span);
      return;
    }
    let { run } = mapped;
    if (mapped.parentIsRemote && this.config.remoteParents === 'root') detachFromParent(run, 'remote_parent');
    if (!this.selector.keeps(run, span)) return this.leaveOut(run, sink);
    applyPrivacy(run, this.config.privacy);
    if (this.config.transformRun) {
      const transformed = this.transform(run, span);
      if (!transformed) return this.leaveOut(run, sink);
      run = transformed;
    }
    const { body, cuts } = serializeWithinBudget(run, this.config.maxRunBytes);
    if (cuts.length) this.counters.runsTruncated++;
    const submission: RunSubmission = { id: run.id, parentId: run.parent_run_id, body, startMicros: mapped.startMicros, heldSince };
    // remoteParents 'auto': a span whose parent came over the wire waits for it a bounded time (RunPipeline).
    if (mapped.parentIsRemote && this.config.remoteParents === 'auto' && run.parent_run_id !== undefined) submission.remoteParent = true;
    this.addTraceContext(submission, run, span, mapped.feedback);
    sink.submit(submission);
  }

  /**
   * What the pipeline needs to carry the trace's thread key to this run or from it (not when
   * metadata is hidden: a key carried to another run would show what was hidden), and the run's
   * feedback, on the run as sent (transformRun may have changed its id).
   */
  private addTraceContext(submission: RunSubmission, run: RunCreate, span: ReadableSpan, feedback: FeedbackCreate[] | undefined): void {
    const { hideMetadata, hideInputs, hideOutputs } = this.config.privacy;
    if (hideMetadata === undefined || hideMetadata === false) {
      submission.trace = span.spanContext().traceId;
      const thread = threadKeyOf(run.extra?.metadata);
      if (thread) submission.thread = thread;
    }
    if (!feedback) return;
    // An evaluator's explanation quotes what it judged: hidden with the content.
    const hideComment = !!hideInputs || !!hideOutputs;
    submission.feedback = feedback.map(({ comment, ...rest }) => JSON.stringify({ ...rest, run_id: run.id, ...(comment !== undefined && !hideComment ? { comment } : {}) }));
  }

  /** A filtered-out span: never sent, its children attach to its nearest kept ancestor. */
  private leaveOut(run: RunCreate, sink: RunSink): void {
    this.counters.spansFiltered++;
    sink.drop(run.id, run.parent_run_id);
    this.onSettled?.({ id: run.id, kind: 'filtered' });
  }

  /** A span that never became a run, for the durable owner: by the run id its span id makes. */
  private settleSpan(span: ReadableSpan): void {
    if (!this.onSettled) return;
    let spanId: unknown;
    try {
      spanId = span.spanContext().spanId;
    } catch {
      return; // no id to report it by: the owner never saw one either (the bridge refuses such spans)
    }
    if (typeof spanId === 'string' && isValidSpanId(spanId)) this.onSettled({ id: runIdOfValidSpanId(spanId), kind: 'unmappable' });
  }

  private transform(run: RunCreate, span: ReadableSpan): RunCreate | undefined {
    ownRuntime(run); // the hook may change the runtime record, which runs of the same tracer share
    try {
      const result = this.config.transformRun!(run, span);
      if (result === null) return undefined;
      return result ?? run;
    } catch (error) {
      this.log.warn('transform', `otel-langsmith: transformRun threw, run ${run.id} left out: ${String(error)}`);
      return undefined;
    }
  }
}

/** Whether every hook is data, so mapping can move to the delivery worker (functions cannot). */
export function hooksAreData(config: IntakeConfig): boolean {
  const { hideInputs, hideOutputs, hideMetadata } = config.privacy;
  return config.spanFilter === undefined && config.transformRun === undefined && [hideInputs, hideOutputs, hideMetadata].every((hide) => typeof hide !== 'function');
}
