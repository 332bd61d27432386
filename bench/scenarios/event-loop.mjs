// Event-loop cost of the exporter beside a busy application loop, each variant in a fresh child
// process (clean heap and JIT state, no other bench work on its loop).
import { runChild } from './run-child.mjs';
import { QUICK } from '../workload.mjs';

export const EVENT_LOOP_VARIANTS = ['baseline', 'default', 'tuned', 'worker', 'batch-defaults', 'otlp-http', 'otlp-http-tuned', 'otlp-proto'];

/**
 * The standard OTLP exporters in the same setup, for comparison: no target of ours applies to them.
 * `otlp-proto` (the OTLP/HTTP protobuf exporter, BSP defaults) is what the delay-p99 target compares
 * this exporter's default with (bench/run.mjs).
 */
export const EVENT_LOOP_CONTROLS = { default: 'otlp-http', tuned: 'otlp-http-tuned', worker: 'otlp-http', 'batch-defaults': 'otlp-http' };

/** Every variant that is a standard exporter rather than this one (no stall target of ours). */
export const EVENT_LOOP_CONTROL_VARIANTS = ['otlp-http', 'otlp-http-tuned', 'otlp-proto'];

export function runEventLoopVariant({ server, variant, rate = 10_000, profileFile }) {
  const options = {
    url: server.url,
    variant,
    rate,
    appBusyFraction: 0.2,
    warmupMillis: QUICK ? 400 : 1000,
    durationMillis: QUICK ? 2000 : 6000,
    drainMillis: QUICK ? 2000 : 20_000,
    profileFile,
  };
  return runChild('./event-loop-child.mjs', options, { label: `event-loop child (${variant})` }).then(({ result, pid }) => ({ ...result, pid }));
}
