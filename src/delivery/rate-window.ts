/** What a rate window counts, second by second. */
export interface RateSample {
  /** Runs that became ready to send (the demand). */
  demand: number;
  /** Runs the server acknowledged. */
  accepted: number;
  /** Requests answered 429 (rate limited). */
  limited: number;
  /** Requests answered with anything but 429 (what the server let through). */
  passed: number;
}

const EMPTY: RateSample = { demand: 0, accepted: 0, limited: 0, passed: 0 };

/**
 * Counts per second over the last `seconds` seconds: what was asked of the server and what it
 * accepted, so pacing, the rate-limit report and the automatic transport decide from the same
 * figures. A ring of one-second buckets; nothing grows with the load.
 */
export class RateWindow {
  private readonly buckets: RateSample[];
  private readonly stamps: number[];

  constructor(
    readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = Array.from({ length: seconds }, () => ({ ...EMPTY }));
    this.stamps = new Array<number>(seconds).fill(-1);
  }

  add(field: keyof RateSample, count = 1): void {
    this.bucket()[field] += count;
  }

  /** Sums over the last `seconds` (at most the window), the current second included. */
  total(seconds = this.seconds): RateSample & { limitedSeconds: number } {
    const second = Math.floor(this.now() / 1000);
    const sum = { ...EMPTY, limitedSeconds: 0 };
    for (let i = 0; i < this.seconds; i++) {
      const age = second - this.stamps[i]!;
      if (this.stamps[i] === -1 || age < 0 || age >= Math.min(seconds, this.seconds)) continue;
      const bucket = this.buckets[i]!;
      sum.demand += bucket.demand;
      sum.accepted += bucket.accepted;
      sum.limited += bucket.limited;
      sum.passed += bucket.passed;
      if (bucket.limited > 0) sum.limitedSeconds++;
    }
    return sum;
  }

  /** Seconds since the last 429, or Infinity when the window saw none. */
  secondsSinceLimited(): number {
    const second = Math.floor(this.now() / 1000);
    let latest = -Infinity;
    for (let i = 0; i < this.seconds; i++) {
      const stamp = this.stamps[i]!;
      if (stamp !== -1 && second - stamp < this.seconds && this.buckets[i]!.limited > 0) latest = Math.max(latest, stamp);
    }
    return latest === -Infinity ? Infinity : second - latest;
  }

  private bucket(): RateSample {
    const second = Math.floor(this.now() / 1000);
    const index = second % this.seconds;
    if (this.stamps[index] !== second) {
      this.stamps[index] = second;
      this.buckets[index] = { ...EMPTY };
    }
    return this.buckets[index]!;
  }
}
