import { existsSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParentInfo } from '../../ordering/parent-gate.js';
import { frame, scanFrames } from './frames.js';

/** What the settled log remembers of a run: acknowledged (with what its children need), or final otherwise. */
export type SettledEntry = { delivered: true; parent: ParentInfo } | { delivered: false };

export const SETTLED_MAGIC = Buffer.from('OLSSET01', 'latin1');
const FILES = ['settled-0.log', 'settled-1.log'] as const;

/**
 * Which runs of the journal reached a final state, remembered across a restart, so that:
 * - a span already delivered is not sent again when its request is read back (it would only
 *   get a 409, but thousands of them slow a restart);
 * - a child read back, or arriving after the restart, whose parent was acknowledged before it
 *   still attaches to it (the exporter is told `assumeDelivered`), instead of waiting for a
 *   parent that will never come again and going out as an orphan root.
 *
 * Two generations of at most `generationEntries` entries each, as the exporter's own memory of
 * acknowledged parents (RecentMap): the newest generation is appended to; when it is full the
 * older file is truncated and becomes the newest. So the log always holds the last
 * `generationEntries` settlements, at most twice that, and never needs rewriting.
 *
 * Entries are written (not fsynced) a few times a second: a process killed keeps what it wrote
 * (the page cache survives it); a machine crash may lose the last ones, which costs a 409 per run
 * replayed, or, for a late child whose parent's entry is lost, an orphan. Before the journal
 * deletes a segment it fsyncs this log (`flush(true)`), so what made the segment deletable is on
 * disk before the segment is gone.
 */
export class SettledLog {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private handle: FileHandle | undefined;
  private position = 0;
  private current = 0;
  private generation = 0;
  private entriesInGeneration = 0;
  private closed = false;
  /** Entries written since the bridge started (for /health). */
  written = 0;

  private constructor(
    private readonly dir: string,
    private readonly generationEntries: number,
    private readonly flushMillis: number,
  ) {}

  /**
   * Reads both generations (older first, so a later entry for the same id wins) and opens the
   * newest for appending. Torn tails are cut off: they held nothing a caller relied on.
   */
  static async open(dir: string, generationEntries: number, flushMillis: number): Promise<{ log: SettledLog; entries: Map<string, SettledEntry> }> {
    const log = new SettledLog(dir, generationEntries, flushMillis);
    const read = FILES.map((name, index) => ({ index, ...readGeneration(join(dir, name)) }));
    read.sort((a, b) => a.generation - b.generation);
    const entries = new Map<string, SettledEntry>();
    for (const file of read) for (const [id, entry] of file.entries) entries.set(id, entry);
    const newest = read[read.length - 1]!;
    if (newest.generation < 0) {
      await log.startGeneration(0, 0);
    } else {
      log.current = newest.index;
      log.generation = newest.generation;
      log.entriesInGeneration = newest.entries.length;
      log.handle = await open(join(dir, FILES[newest.index]!), 'r+', 0o600);
      await log.handle.truncate(newest.validBytes);
      log.position = newest.validBytes;
    }
    return { log, entries };
  }

  add(id: string, entry: SettledEntry): void {
    if (this.closed) return;
    this.buffer.push(
      entry.delivered
        ? JSON.stringify([id, 'd', entry.parent.startMicros, entry.parent.dottedOrder ?? null, entry.parent.traceId ?? null])
        : JSON.stringify([id, 'x']),
    );
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(false), this.flushMillis);
      this.timer.unref();
    }
  }

  /** Writes what is buffered; with `sync`, fsyncs the file too. Errors are the caller's to log. */
  flush(sync: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (lines.length > 0) await this.write(lines);
      if (sync && this.handle) await this.handle.datasync();
    });
    // Never a rejected chain: the next flush must still run. The caller sees this one's error.
    const result = this.writing;
    this.writing = this.writing.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.flush(true).catch(() => undefined);
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async write(lines: string[]): Promise<void> {
    if (this.entriesInGeneration >= this.generationEntries) await this.startGeneration(1 - this.current, this.generation + 1);
    const { buffers, bytes } = frame([Buffer.from(`[${lines.join(',')}]`)]);
    await this.handle!.writev(buffers, this.position);
    this.position += bytes;
    this.entriesInGeneration += lines.length;
    this.written += lines.length;
  }

  /** Truncates the other file and makes it the newest generation (its number in its first frame). */
  private async startGeneration(index: number, generation: number): Promise<void> {
    if (this.handle) {
      await this.handle.datasync();
      await this.handle.close();
    }
    const handle = await open(join(this.dir, FILES[index]!), 'w', 0o600);
    const { buffers, bytes } = frame([Buffer.from(JSON.stringify({ generation }))]);
    await handle.writev([SETTLED_MAGIC, ...buffers], 0);
    await handle.datasync();
    this.handle = handle;
    this.current = index;
    this.generation = generation;
    this.entriesInGeneration = 0;
    this.position = SETTLED_MAGIC.length + bytes;
  }
}

function readGeneration(path: string): { generation: number; entries: Array<[string, SettledEntry]>; validBytes: number } {
  if (!existsSync(path)) return { generation: -1, entries: [], validBytes: 0 };
  const scanned = scanFrames(readFileSync(path), SETTLED_MAGIC);
  if (!scanned.ours || scanned.frames.length === 0) return { generation: -1, entries: [], validBytes: 0 };
  const entries: Array<[string, SettledEntry]> = [];
  let generation = -1;
  scanned.frames.forEach(({ payload }, index) => {
    try {
      const value = JSON.parse(payload.toString('utf8')) as unknown;
      if (index === 0) {
        generation = Number((value as { generation?: unknown }).generation ?? -1);
        return;
      }
      for (const item of value as unknown[]) {
        const entry = parseEntry(item);
        if (entry) entries.push(entry);
      }
    } catch {
      // A frame with a good checksum and bad JSON is not something we wrote: skip it.
    }
  });
  return { generation: Number.isFinite(generation) ? generation : -1, entries, validBytes: scanned.validBytes };
}

function parseEntry(item: unknown): [string, SettledEntry] | undefined {
  if (!Array.isArray(item) || typeof item[0] !== 'string') return undefined;
  if (item[1] !== 'd') return [item[0], { delivered: false }];
  const parent: ParentInfo = { startMicros: typeof item[2] === 'number' ? item[2] : 0 };
  if (typeof item[3] === 'string') parent.dottedOrder = item[3];
  if (typeof item[4] === 'string') parent.traceId = item[4];
  return [item[0], { delivered: true, parent }];
}
