import type { ServerResponse } from 'node:http';
import { errorReply, sendReply } from './http-io.js';
import type { FeedbackStore, StoredFeedback } from './feedback.js';
import type { RunStore } from './store.js';
import type { StoredRun } from './types.js';

export const EVENTS_PATH = '/_local/events';

/** How long close() lets an ended stream flush before the server destroys its socket. */
const END_GRACE_MILLIS = 1000;

/**
 * `GET /_local/events`: Server-Sent Events for a live view of the store. Each client first gets
 * `event: run` for every run stored so far, then one per run as it is stored, in acceptance
 * order; `event: feedback` for each feedback likewise (after the runs it is about); `event: reset`
 * when the store is cleared; a comment line every heartbeat interval.
 */
export class EventFeed {
  readonly #clients = new Set<ServerResponse>();
  #closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly heartbeatMillis: number,
    private readonly feedback?: FeedbackStore,
  ) {}

  /** Streams still open. */
  get size(): number {
    return this.#clients.size;
  }

  open(res: ServerResponse): void {
    if (this.#closed) {
      sendReply(res, errorReply(503, 'The local server is closing'));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    // Between closeAll()'s end() and 'finish' a run may still arrive; a write after end would
    // emit an 'error' nobody listens for, crashing the process.
    const send = (text: string): void => {
      if (!res.writableEnded && !res.destroyed) res.write(text);
    };
    // Taking the snapshot and subscribing in one synchronous step: no run is missed or sent twice.
    send(this.store.all().map(runEvent).join('') + (this.feedback?.all().map(feedbackEvent).join('') ?? '') || ': connected\n\n');
    const unsubscribeRuns = this.store.subscribe({
      added: (run) => send(runEvent(run)),
      cleared: () => send('event: reset\ndata: {}\n\n'),
    });
    const unsubscribeFeedback = this.feedback?.subscribe((feedback) => send(feedbackEvent(feedback)));
    const unsubscribe = (): void => {
      unsubscribeRuns();
      unsubscribeFeedback?.();
    };
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), this.heartbeatMillis);
    heartbeat.unref();
    const stop = (): void => {
      unsubscribe();
      clearInterval(heartbeat);
      this.#clients.delete(res);
    };
    this.#clients.add(res);
    res.once('finish', stop);
    res.once('close', stop);
  }

  /** Ends every stream; resolves once each has flushed (or after a short grace period). */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const ended = [...this.#clients].map(
      (res) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, END_GRACE_MILLIS);
          timer.unref();
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          res.once('finish', done);
          res.once('close', done);
          res.end();
        }),
    );
    await Promise.all(ended);
  }
}

/** Feedback on a run (always after its run: the server refuses feedback for a run it lacks). */
function feedbackEvent(feedback: StoredFeedback): string {
  return `event: feedback\ndata: ${JSON.stringify(feedback)}\n\n`;
}

/** JSON.stringify never emits a raw newline, so one `data:` line holds the whole run. */
function runEvent(run: StoredRun): string {
  return `event: run\ndata: ${JSON.stringify(run)}\n\n`;
}
