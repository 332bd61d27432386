import { diag } from '@opentelemetry/api';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailureSink } from './failure-sink.js';

export const SPOOL_SUFFIX = '.ndjson';
const FLUSH_AFTER_MILLIS = 200;
const FLUSH_AFTER_LINES = 1000;

/**
 * Undeliverable runs as NDJSON segment files in a directory, one line per run:
 * `{"reason": ..., "failed_at": ..., "run": {...}}`. Each segment is written to a temporary file,
 * fsynced and renamed, so a crash mid-write never leaves a half-written segment that replay would
 * read. The directory is bounded in bytes; past the bound runs are refused (and counted by the caller).
 */
export class FileSpool implements FailureSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private storedBytes: number;
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.storedBytes = readdirSync(dir)
      .filter((name) => name.endsWith(SPOOL_SUFFIX))
      .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  }

  accept(_runId: string, body: string, reason: string): boolean {
    const line = `{"reason":${JSON.stringify(reason)},"failed_at":${JSON.stringify(new Date().toISOString())},"run":${body}}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.storedBytes + this.pendingBytes + bytes > this.maxBytes) return false;
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pending.length >= FLUSH_AFTER_LINES) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_AFTER_MILLIS);
      this.timer.unref();
    }
    return true;
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return this.writing;
    const lines = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.storedBytes += bytes;
    this.writing = this.writing.then(() => this.writeSegment(lines)).catch((error: unknown) => {
      this.storedBytes -= bytes;
      diag.error(`otel-langsmith: could not write ${lines.length} failed runs to ${this.dir}: ${String(error)}`);
    });
    return this.writing;
  }

  private async writeSegment(lines: string[]): Promise<void> {
    const name = `runs-${Date.now()}-${process.pid}-${String(this.sequence++).padStart(6, '0')}${SPOOL_SUFFIX}`;
    const temporary = join(this.dir, `.${name}.tmp`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(lines.join(''));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(this.dir, name));
  }
}
