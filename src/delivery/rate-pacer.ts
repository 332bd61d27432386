import type { RateWindow } from './rate-window.js';
import { abortableSleep } from './throttle.js';

/** At most one cut a second: the 429s of one burst are one signal, not several. */
const CUT_EVERY_MILLIS = 1000;
/** Each further 429 slows the pace by this factor... */
const CUT_FACTOR = 0.9;
/** ...and each second without one speeds it up by this share (at least one request a second). */
const RISE_SHARE = 0.1;
/** After this long without a 429 pacing stops: the pressure has gone. */
const QUIET_BEFORE_STOPPING_SECONDS = 30;

/**
 * Spreads requests at the rate the server accepts, learned from its 429s (multiplicative decrease,
 * gradual increase, as TCP finds a link's capacity): the first 429 sets the pace to what got
 * through in the second before, each later one cuts it by a tenth, each quiet second raises it by a
 * tenth, and half a minute without a 429 ends pacing. Retry-After pauses (the shared Throttle)
 * still apply on top; this keeps a pause from ending in another burst of 429s.
 */
export class RatePacer {
  private perSecond = Infinity;
  private nextAt = 0;
  private changedAt = 0;
  private pacingSince = 0;

  constructor(
    private readonly window: RateWindow,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests a second now, or Infinity when not pacing. */
  get rate(): number {
    this.relax();
    return this.perSecond;
  }

  /** How long pacing has been in force without a break, in milliseconds (0 when not pacing). */
  get pacingFor(): number {
    this.relax();
    return this.perSecond === Infinity ? 0 : this.now() - this.pacingSince;
  }


  onLimited(): void {
    const now = this.now();
    if (now - this.changedAt < CUT_EVERY_MILLIS && this.perSecond !== Infinity) return;
    if (this.perSecond === Infinity) this.pacingSince = now;
    // What got through in the last second before the first 429 is what the limit let through (a
    // fuller second than the average of two, one of which may have been idle).
    this.perSecond = this.perSecond === Infinity ? Math.max(1, this.window.total(1).passed, this.window.total(2).passed / 2) : Math.max(1, this.perSecond * CUT_FACTOR);
    this.changedAt = now;
  }

  /** Resolves when the next request may go (at once when not pacing, or when the signal aborts). */
  async acquire(signal: AbortSignal): Promise<void> {
    this.relax();
    if (this.perSecond === Infinity) return;
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.perSecond;
    if (at > now) await abortableSleep(at - now, signal);
  }

  private relax(): void {
    if (this.perSecond === Infinity) return;
    if (this.window.secondsSinceLimited() >= QUIET_BEFORE_STOPPING_SECONDS) {
      this.perSecond = Infinity;
      this.nextAt = 0;
      return;
    }
    const now = this.now();
    const seconds = Math.floor((now - this.changedAt) / 1000);
    if (seconds < 1) return;
    for (let i = 0; i < seconds; i++) this.perSecond += Math.max(1, this.perSecond * RISE_SHARE);
    this.changedAt += seconds * 1000;
  }
}
