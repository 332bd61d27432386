import type { RateWindow } from './rate-window.js';

/** A new report only when demand or the accepted rate has doubled or halved since the last... */
const MATERIAL_FACTOR = 2;
/** ...and at least this many windows after it: a figure settling after a change is no news. */
const WINDOWS_BETWEEN_REPORTS = 10;

export interface RateLimitReportContext {
  /** Seconds over which demand and acceptance are judged. */
  rateLimitWindowSeconds: number;
  endpoint: string;
  transport: 'runs' | 'batch' | 'auto';
  maxQueuedRuns: number;
}

/**
 * Says once, with the figures and the fix, that LangSmith's rate limit cannot keep up with the
 * runs sent: when requests have been rate limited (429s, or the pace they taught) and demand has
 * stayed above what was accepted for most of a window (half of it, at least). Again only when the figures change
 * materially: one line, not one per run.
 */
export class RateLimitReport {
  private reported: { demand: number; accepted: number; at: number } | undefined;
  private pressedSince: number | undefined;

  constructor(
    private readonly window: RateWindow,
    private readonly context: RateLimitReportContext,
    private readonly report: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** `limited`: requests are being held back by the server's limit now. */
  check(limited: boolean): void {
    const seconds = this.context.rateLimitWindowSeconds;
    // Rates over the last half window: the pressure must hold that long before it is reported, so
    // these are the figures of the pressure itself, not diluted by the calm before it.
    const judged = Math.max(1, Math.ceil(seconds / 2));
    const total = this.window.total(judged);
    const perMinute = 60 / judged;
    const demand = Math.round(total.demand * perMinute);
    const accepted = Math.round(total.accepted * perMinute);
    if (!limited || demand <= accepted * 1.1) {
      this.pressedSince = undefined;
      return;
    }
    this.pressedSince ??= this.now();
    // Most of the window: long enough to be no burst, soon enough to be told while it matters.
    if ((this.now() - this.pressedSince) * 2 < seconds * 1000) return;
    if (this.reported) {
      if (this.now() - this.reported.at < WINDOWS_BETWEEN_REPORTS * seconds * 1000) return;
      if (!changed(this.reported.demand, demand) && !changed(this.reported.accepted, accepted)) return;
    }
    this.reported = { demand, accepted, at: this.now() };
    this.report(message(demand, accepted, judged, this.context));
  }
}

function changed(before: number, now: number): boolean {
  return now > MATERIAL_FACTOR * Math.max(1, before) || now * MATERIAL_FACTOR < before;
}

function message(demand: number, accepted: number, seconds: number, context: RateLimitReportContext): string {
  const head =
    `otel-langsmith: sending ~${demand} runs/min; LangSmith accepted ~${accepted}/min for this API key at ${context.endpoint} ` +
    `(rate limited with HTTP 429 over the last ${seconds} s). Runs wait instead of failing, but the backlog grows ` +
    `until maxQueuedRuns (${context.maxQueuedRuns}) refuses new ones. `;
  const fix =
    context.transport === 'runs'
      ? "Set transport: 'auto' (single requests while they keep up, batches while rate limited) or 'batch', or leave spans out with spanFilter (e.g. SpanFilters.llmAndAncestors)."
      : 'Leave spans out with spanFilter (e.g. SpanFilters.llmAndAncestors), or ask for a higher limit for this key.';
  return head + fix;
}
