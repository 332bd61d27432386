import { get, type IncomingMessage } from 'node:http';

/** One Server-Sent Events block: its `event:` and `data:` fields, or a comment line. */
export interface SseMessage {
  event?: string;
  data?: string;
  comment?: string;
}

export interface SseStream {
  res: IncomingMessage;
  /** Every message parsed so far, in order. */
  messages: SseMessage[];
  /** Resolves once `messages` holds at least `count` messages passing `filter`. */
  waitFor(count: number, filter?: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream cleanly; rejects if the connection breaks instead. */
  ended: Promise<void>;
  /** Hangs up from the client side. */
  destroy(): void;
}

/** Opens `GET path` with node:http and parses the stream as it arrives. */
export function openSse(server: { url: string }, path = '/_local/events'): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(`${server.url}${path}`, { headers: { accept: 'text/event-stream' } }, (res) => {
      const messages: SseMessage[] = [];
      let buffered = '';
      let wake: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          messages.push(parseBlock(buffered.slice(0, end)));
          buffered = buffered.slice(end + 2);
        }
        const waiting = wake;
        wake = [];
        for (const fn of waiting) fn();
      });
      const ended = new Promise<void>((resolveEnd, rejectEnd) => {
        res.once('end', () => resolveEnd());
        res.once('aborted', () => rejectEnd(new Error('SSE stream aborted')));
        res.once('error', rejectEnd);
      });
      ended.catch(() => {});
      const waitFor = (count: number, filter: (m: SseMessage) => boolean = () => true, timeoutMs = 5000): Promise<SseMessage[]> =>
        new Promise((resolveWait, rejectWait) => {
          const deadline = setTimeout(
            () => rejectWait(new Error(`waited ${timeoutMs} ms for ${count} SSE messages; got ${JSON.stringify(messages)}`)),
            timeoutMs,
          );
          const check = (): void => {
            const matching = messages.filter(filter);
            if (matching.length >= count) {
              clearTimeout(deadline);
              resolveWait(matching);
            } else {
              wake.push(check);
            }
          };
          check();
        });
      resolve({ res, messages, waitFor, ended, destroy: () => req.destroy() });
    });
    req.once('error', reject);
  });
}

function parseBlock(block: string): SseMessage {
  const message: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) message.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) message.event = line.slice('event: '.length);
    else if (line.startsWith('data: ')) message.data = message.data === undefined ? line.slice(6) : `${message.data}\n${line.slice(6)}`;
  }
  return message;
}

export const isRun = (m: SseMessage): boolean => m.event === 'run';
