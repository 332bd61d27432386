import { emptyCounters, type CounterName, type ExporterStats, type GaugeName } from '../pipeline/stats.js';

const COUNTERS = Object.keys(emptyCounters()) as CounterName[];
const GAUGES: readonly GaugeName[] = ['heldRuns', 'heldBytes', 'queuedRuns', 'inFlightRequests', 'demandRunsPerMinute', 'acceptedRunsPerMinute'];
type Gauge = GaugeName;
const FIELDS: ReadonlyArray<keyof ExporterStats> = [...COUNTERS, ...GAUGES];

/**
 * Exporter statistics in shared memory, so `stats()` on the application thread stays synchronous
 * and current while the delivery worker counts. Each field has one writer: the application thread
 * counts spans, the worker counts runs and sets the gauges.
 */
export class SharedStats {
  readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;
  /** The counters as a plain-looking record (`counters.runsDelivered++` writes shared memory). */
  readonly counters: Record<CounterName, number>;

  constructor(buffer = new SharedArrayBuffer(FIELDS.length * Float64Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.values = new Float64Array(buffer);
    const counters = {} as Record<CounterName, number>;
    COUNTERS.forEach((name, i) => {
      Object.defineProperty(counters, name, {
        get: () => this.values[i]!,
        set: (value: number) => {
          this.values[i] = value;
        },
        enumerable: true,
      });
    });
    this.counters = counters;
  }

  setGauges(gauges: Record<Gauge, number>): void {
    for (let i = 0; i < GAUGES.length; i++) this.values[COUNTERS.length + i] = gauges[GAUGES[i]!];
  }

  read(): ExporterStats {
    const stats = {} as ExporterStats;
    FIELDS.forEach((name, i) => {
      stats[name] = this.values[i]!;
    });
    return stats;
  }
}
