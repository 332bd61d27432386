import type { ResolvedRetryPolicy } from '../config/resolve-config.js';
import type { Transport, TransportResponse } from '../transport/http-transport.js';
import { backoffMillis, classifyStatus, parseRetryAfter } from './retry-policy.js';
import type { Outage } from './outage.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RatePacer } from './rate-pacer.js';
import type { RateWindow } from './rate-window.js';
import { abortableSleep, type Throttle } from './throttle.js';

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number; attempts: number }
  /** The server refused the run for good (a 4xx other than 408, 409, 425, 429). */
  | { kind: 'rejected'; status: number; detail: string; attempts: number }
  /** Transient failures outlasted the retry budget, or shutdown cut the retries short. */
  | { kind: 'failed'; reason: string; attempts: number };

export interface RetryContext {
  transport: Transport;
  policy: ResolvedRetryPolicy;
  throttle: Throttle;
  /** Client-side request rate limit, when configured. */
  rateLimiter?: RateLimiter;
  /** What the server accepts, learned from its 429s: counts every response and paces requests. */
  rates?: { window: RateWindow; pacer: RatePacer };
  /** Aborted when the exporter gives up (shutdown deadline): stops waits and in-flight requests. */
  signal: AbortSignal;
  /** Shared by the pipeline's senders: lets runs whose budget is spent skip their attempt in a long outage. */
  outage?: Outage;
  onRetry?: (reason: string, waitMillis: number) => void;
  now?: () => number;
  random?: () => number;
}

/** Connection-level errors that mean the server cannot be reached at all: every sender should wait. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * POSTs one body until it is delivered, rejected for good, or the retry budget runs out. The
 * budget counts from `readyAt`, when the run became sendable (for a run released because its
 * parent failed, when the parent became sendable: one budget per tree, see RunPipeline.finish), so
 * that time spent queued behind a down server counts too and a backlog fails in bounded time.
 * Every run still gets one attempt, unless its budget is spent and the server has failed every
 * attempt for half a budget or more (see Outage): then it fails at once, and a tree or a backlog ends
 * within the budget plus at most one request timeout, whatever its depth or size.
 *
 * A 429 is backpressure, not failure: the server is healthy and says "slower". It spends neither
 * an attempt nor the budget; the run waits (Retry-After, shared by every sender, then the learned
 * pace) and goes again, for as long as the exporter runs; `onLimited` hears of each 429. What the memory bounds cannot keep
 * waiting fails earlier, in the queue; at the shutdown deadline the wait ends and the run is
 * reported failed (and spooled).
 */
export async function deliverWithRetry(path: string, body: string, readyAt: number, ctx: RetryContext, onLimited?: () => void): Promise<DeliveryOutcome> {
  const now = ctx.now ?? Date.now;
  // Time spent rate limited is not held against the retry budget.
  let limitedMillis = 0;
  for (let attempt = 1; ; attempt++) {
    // Awaited only when there is something to wait for: each await costs a few microtask turns per run.
    if (ctx.throttle.paused) await ctx.throttle.wait(ctx.signal);
    if (ctx.rateLimiter) await ctx.rateLimiter.acquire(ctx.signal);
    if (ctx.rates) await ctx.rates.pacer.acquire(ctx.signal);
    if (ctx.signal.aborted) return { kind: 'failed', reason: 'shutdown deadline passed before delivery', attempts: attempt - 1 };
    const startedAt = now();
    const budget = ctx.policy.maxElapsedMillis;
    // Half a budget, not a whole one: attempts that time out at the budget's length (both 10 s by
    // default) are seen to fail a hair early or late, and a whole-budget test would let a second
    // wave of attempts start. Half a budget of nothing but failures is an outage, not a blip.
    if (ctx.outage && startedAt - readyAt - limitedMillis > budget && ctx.outage.lastedFor(startedAt) * 2 >= budget) {
      const lasted = ctx.outage.lastedFor(startedAt);
      return { kind: 'failed', reason: `retry budget of ${budget} ms spent, and LangSmith has failed every attempt for ${lasted} ms`, attempts: attempt - 1 };
    }

    let response: TransportResponse | undefined;
    let reason: string;
    let unreachable = false;
    try {
      // No signal for the request itself: a listener per request is measurable at thousands of
      // runs a second, and at the shutdown deadline the pipeline destroys the transport, which
      // ends every request in flight.
      response = await ctx.transport.post(path, body);
      if (response.status === 429) {
        ctx.outage?.answered();
        const waited = now();
        ctx.rates?.window.add('limited');
        ctx.rates?.pacer.onLimited();
        onLimited?.();
        const wait = parseRetryAfter(response.headers['retry-after'], now()) ?? backoffMillis(1, ctx.policy, ctx.random);
        ctx.throttle.pauseFor(wait);
        ctx.onRetry?.('HTTP 429', wait);
        attempt--;
        await abortableSleep(wait, ctx.signal);
        limitedMillis += now() - waited;
        continue;
      }
      ctx.rates?.window.add('passed');
      const outcome = classifyStatus(response.status);
      if (outcome === 'retryable') ctx.outage?.failed(startedAt);
      else ctx.outage?.answered();
      if (outcome === 'delivered') return { kind: 'delivered', status: response.status, attempts: attempt };
      if (outcome === 'rejected') {
        return { kind: 'rejected', status: response.status, detail: detailOf(response.body), attempts: attempt };
      }
      reason = `HTTP ${response.status}`;
    } catch (error) {
      if (ctx.signal.aborted) return { kind: 'failed', reason: 'shutdown deadline passed during the request', attempts: attempt };
      reason = describeNetworkError(error);
      ctx.outage?.failed(startedAt);
      unreachable = UNREACHABLE.has((error as { code?: string }).code ?? '');
    }

    if (attempt >= ctx.policy.maxAttempts) return { kind: 'failed', reason: `${reason} after ${attempt} attempts`, attempts: attempt };
    const retryAfter = response ? parseRetryAfter(response.headers['retry-after'], now()) : undefined;
    const wait = retryAfter ?? backoffMillis(attempt, ctx.policy, ctx.random);
    if (now() + wait - readyAt - limitedMillis > ctx.policy.maxElapsedMillis) {
      return { kind: 'failed', reason: `${reason}; retry budget of ${ctx.policy.maxElapsedMillis} ms exhausted`, attempts: attempt };
    }
    if (unreachable || retryAfter !== undefined) ctx.throttle.pauseFor(wait);
    ctx.onRetry?.(reason, wait);
    await abortableSleep(wait, ctx.signal);
  }
}

const MAX_DETAIL = 500;

/** The server's `detail` (FastAPI style) or the raw body, shortened for a log line. */
export function detailOf(body: string): string {
  let detail: unknown = body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && 'detail' in parsed) detail = (parsed as { detail: unknown }).detail;
  } catch {
    // not JSON: keep the text
  }
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** undici errors carry a code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...); keep it for the log. */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
