import { RateLimitReport, type RateLimitReportContext } from './rate-limit-report.js';
import { RateLimiter } from './rate-limiter.js';
import { RatePacer } from './rate-pacer.js';
import { RateWindow } from './rate-window.js';

/**
 * Rate limiting lasting this long (or the export deadline, when shorter) is more than a burst: a
 * BatchSpanProcessor with default settings has about 17 s of room at 120 spans a second.
 */
const SUSTAINED_LIMIT_MILLIS = 10_000;
/** `transport: 'auto'` batches once requests have been rate limited with a backlog for this many checks in a row... */
const AUTO_BATCH_AFTER_PRESSED_CHECKS = 3;

export interface RateControlConfig extends RateLimitReportContext {
  maxRequestsPerMinute: number | undefined;
  exportTimeoutMillis: number;
  maxConcurrentRequests: number;
}

/** What `check()` found: the limit's state, and whether `transport: 'auto'` should switch. */
export interface RateCheck {
  limited: boolean;
  sustained: boolean;
  /** Set when 'auto' should start (true) or stop (false) batching, with why. */
  batch?: { on: boolean; why: string };
}

/**
 * Everything about request rates, in one place: the client-side limit (`maxRequestsPerMinute`),
 * what was asked of the server and what it accepted second by second, the pace learned from its
 * 429s, the report when it cannot keep up, and when `transport: 'auto'` should batch. Knows
 * nothing of runs or calls: the pipeline acts on what it says.
 */
export class RateControl {
  readonly window: RateWindow;
  readonly pacer: RatePacer;
  readonly limiter: RateLimiter | undefined;
  private readonly report: RateLimitReport;
  /** Consecutive checks that found requests rate limited with a backlog. */
  private pressedChecks = 0;

  constructor(
    private readonly config: RateControlConfig,
    say: (message: string) => void,
  ) {
    this.limiter = config.maxRequestsPerMinute ? new RateLimiter(config.maxRequestsPerMinute) : undefined;
    this.window = new RateWindow(Math.max(config.rateLimitWindowSeconds, 60));
    this.pacer = new RatePacer(this.window);
    this.report = new RateLimitReport(this.window, config, say);
  }

  /** Requests are held back by the server's limit now (the pacer learned a pace from a 429). */
  get limited(): boolean {
    return this.pacer.rate !== Infinity;
  }

  /**
   * Rate limited for longer than an export() deadline without a break: a call waiting for delivery
   * would time out anyway, and stall its span processor meanwhile. A passing 429, or a burst the
   * server works through within one deadline, only delays the answer, which still means delivered.
   */
  get sustained(): boolean {
    return this.pacer.pacingFor >= Math.min(this.config.exportTimeoutMillis, SUSTAINED_LIMIT_MILLIS);
  }

  /** Runs asked of the server and taken by it, a minute, over the configured window. */
  perMinute(): { demand: number; accepted: number } {
    const rates = this.window.total(this.config.rateLimitWindowSeconds);
    const scale = 60 / this.config.rateLimitWindowSeconds;
    return { demand: Math.round(rates.demand * scale), accepted: Math.round(rates.accepted * scale) };
  }

  /**
   * Looked at once a second: reports sustained pressure, and tells 'auto' to batch once requests
   * have been rate limited with a backlog for a few checks, and to stop once it is all gone.
   */
  check(backlog: number, batching: boolean, canBatch: boolean): RateCheck {
    const limited = this.limited;
    this.report.check(limited);
    const check: RateCheck = { limited, sustained: limited && this.sustained };
    if (this.config.transport !== 'auto' || !canBatch) return check;
    this.pressedChecks = limited && backlog > this.config.maxConcurrentRequests ? this.pressedChecks + 1 : 0;
    if (!batching && this.pressedChecks >= AUTO_BATCH_AFTER_PRESSED_CHECKS) {
      check.batch = { on: true, why: `rate limited (HTTP 429) with ${backlog} runs queued: sending them to /runs/batch until the pressure is gone` };
    } else if (batching && !limited && backlog === 0) {
      check.batch = { on: false, why: 'no HTTP 429 for half a minute and nothing queued: back to single POST /runs' };
    }
    return check;
  }
}
