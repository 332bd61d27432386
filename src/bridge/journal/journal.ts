import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSettlement } from '../../pipeline/settlement.js';
import { frame, MAGIC_BYTES, scanFrames } from './frames.js';
import { SettledLog, type SettledEntry } from './settled-log.js';

/**
 * The bridge's journal: every OTLP request it accepts is appended to a segment file and fsynced
 * before the sender gets its 200, and stays on disk until every span in it has reached a final
 * state (delivered, refused for good, failed and counted, spooled, filtered). On a restart the
 * bridge reads back what had not, so spans the sender was told are safe survive a kill -9.
 *
 * Design, and why:
 * - One record per request, holding the request's bytes as received (decompressed) and its
 *   arrival time. The request is the unit the sender is answered for, so one write and one fsync
 *   per request, never per span; and the bytes are the most compact and most faithful form there
 *   is (the decoders read them back exactly as they read them the first time).
 * - Group commit: requests arriving while an fsync is under way are written and fsynced together
 *   by the next one, so concurrent senders share fsyncs instead of queueing behind each other.
 * - Append-only segments with checksummed frames (frames.ts): a write cut short by a crash is a
 *   torn tail, detected and cut off on start. The request it belonged to was never answered 200
 *   (the answer waits for the fsync), so the sender still has it.
 * - Compaction by deleting whole segments: a segment goes once every record in it is settled and
 *   it is no longer the one written to. Nothing is ever rewritten. Under steady load the disk
 *   used is about what arrived during the longest wait of a span still open (a child held up to
 *   `orphanTimeoutMillis` for its parent), rounded up to whole segments.
 * - Settlement is by run id, and settles every copy: a sender's resend after a 503 or a timeout
 *   puts the same spans in a second record; whichever copy is delivered settles both (the run
 *   is stored once, and its id is the same).
 * - Bounded: past `maxBytes` on disk or `maxRecords` records, `refusal()` says so and the bridge
 *   answers 503 with Retry-After, so the sender (the Collector's queue) keeps the data instead.
 * - OTLP logs requests are records too (their own record type), kept until every span their
 *   GenAI records wait for has settled its run or given its records up (`release`): their
 *   pending ids are `logsOf(runId)`, which the run's own settlement settles as well.
 * - One bridge per directory: a lock file with the owner's pid; a lock whose process is gone (a
 *   kill -9) is taken over.
 */

export interface JournalLimits {
  /** Most bytes of segment files on disk; past it new requests are refused. */
  maxBytes: number;
  /** Most records (requests) in the segment files on disk; past it new requests are refused. */
  maxRecords: number;
  /** A segment is closed and a new one started once it is this large. */
  segmentBytes: number;
}

/** One request read back from the journal on start. */
export interface RecoveredRecord {
  arrivedAt: number;
  /** An ExportTraceServiceRequest, or an ExportLogsServiceRequest. */
  signal: 'traces' | 'logs';
  format: 'protobuf' | 'json';
  body: Buffer;
  /** For `Journal.track`: its runs still to settle. */
  handle: RecordHandle;
}

/** A record the journal tracks until all its runs settle. Opaque to callers. */
export interface RecordHandle {
  readonly segment: Segment | undefined;
}

/** The data directory's journal, as `/health` and `Bridge.stats().durability` report it. */
export interface JournalStats {
  /** The data directory. */
  dir: string;
  segments: number;
  /** Bytes of segment files on disk. */
  bytes: number;
  /** Records (requests) in those files, settled or not. */
  records: number;
  /** Runs written and not yet settled. */
  pendingRuns: number;
  /** Requests written (and fsynced) since start. */
  appends: number;
  /** fsyncs of segments since start (fewer than appends when requests shared one). */
  fsyncs: number;
  /** Requests refused because the journal was over a bound. */
  refusedFull: number;
  /** Segments deleted since start, their records all settled. */
  segmentsCompacted: number;
  /** What the start read back. */
  recovered: { records: number; spans: number; acknowledgedRuns: number; tornBytes: number };
}

const SEGMENT_MAGIC = Buffer.from('OLSJRN01', 'latin1');
const SEGMENT = /^segment-(\d{12})\.log$/;
const LOCK_FILE = 'LOCK';
const RECORD_REQUEST = 1;
const RECORD_LOGS_REQUEST = 2;
const SIGNAL_OF_RECORD: { readonly [type: number]: 'traces' | 'logs' | undefined } = { [RECORD_REQUEST]: 'traces', [RECORD_LOGS_REQUEST]: 'logs' };

/** The pending id under which a logs request waits for run `runId` to settle (never a run id: those are UUIDs). */
export function logsOf(runId: string): string {
  return `logs:${runId}`;
}
const FORMATS = ['protobuf', 'json'] as const;

/** Acknowledgements kept per generation of the settled log: the exporter's own memory of parents is two of 50 000. */
const SETTLED_GENERATION = 50_000;
const SETTLED_FLUSH_MILLIS = 100;

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  records: number;
  /** Records in it with runs not yet settled. */
  open: number;
  /** Being written to: never deleted, however settled. */
  active: boolean;
  deleted: boolean;
}

interface Record extends RecordHandle {
  segment: Segment | undefined;
  /** Runs of this record not settled yet. */
  pending: number;
}

interface Append {
  record: Record;
  buffers: Uint8Array[];
  bytes: number;
  resolve(): void;
  reject(error: Error): void;
}

export class Journal {
  private readonly segments = new Map<number, Segment>();
  /** Run id → the records holding it unsettled (usually one; a resend makes two). */
  private readonly pendingById = new Map<string, Record | Record[]>();
  private active: Segment | undefined;
  private handle: FileHandle | undefined;
  private nextSeq: number;
  private queue: Append[] = [];
  private flushing: Promise<void> | undefined;
  private compacting: Promise<void> = Promise.resolve();
  private totalBytes = 0;
  private totalRecords = 0;
  /** After `beginClose()`: a run failing now fails because the bridge stops, and stays for the next start. */
  private closing = false;
  /** Until `recoveryDone()`: records are still being tracked, so no recovered segment may be deleted yet. */
  private recovering = true;
  private closed = false;
  /** After `close()` finished: the lock is released, another bridge may own the files now. */
  private stopped = false;
  private readonly counts = { appends: 0, fsyncs: 0, refusedFull: 0, segmentsCompacted: 0 };
  private readonly recoveredCounts = { records: 0, spans: 0, acknowledgedRuns: 0, tornBytes: 0 };

  private constructor(
    readonly dir: string,
    private readonly limits: JournalLimits,
    private readonly settledLog: SettledLog,
    private readonly onError: (message: string, error: unknown) => void,
    nextSeq: number,
  ) {
    this.nextSeq = nextSeq;
  }

  /**
   * Opens (creating it, mode 0700) the data directory: takes the lock, cuts torn tails off, and
   * reads back every request not entirely settled, oldest first, with what the settled log knows.
   * Nothing is written to a recovered segment again: new requests go to a new one.
   */
  static async open(
    dir: string,
    limits: JournalLimits,
    onError: (message: string, error: unknown) => void = () => {},
  ): Promise<{ journal: Journal; recovered: RecoveredRecord[]; settled: Map<string, SettledEntry> }> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    takeLock(dir);
    try {
      const { log, entries } = await SettledLog.open(dir, SETTLED_GENERATION, SETTLED_FLUSH_MILLIS);
      const names = readdirSync(dir)
        .filter((name) => SEGMENT.test(name))
        .sort();
      const lastSeq = names.length ? Number(SEGMENT.exec(names[names.length - 1]!)![1]) : 0;
      const journal = new Journal(dir, limits, log, onError, lastSeq + 1);
      const recovered: RecoveredRecord[] = [];
      for (const name of names) {
        const seq = Number(SEGMENT.exec(name)![1]);
        const path = join(dir, name);
        const data = readFileSync(path);
        const scanned = scanFrames(data, SEGMENT_MAGIC);
        if (!scanned.ours) {
          // Torn before its header was even written (it never held a request): removed. Anything
          // else without our header is not ours: left alone, and said.
          if (data.length < MAGIC_BYTES) unlinkSync(path);
          else onError(`otel-langsmith bridge: ${path} is not a journal segment (${scanned.problem}); left alone`, undefined);
          continue;
        }
        if (scanned.validBytes < data.length) {
          // A torn tail: the request it held was never answered 200. Cut it off, so the file is
          // whole again.
          journal.recoveredCounts.tornBytes += data.length - scanned.validBytes;
          onError(`otel-langsmith bridge: ${path}: ${scanned.problem} at byte ${scanned.validBytes}; the ${data.length - scanned.validBytes} bytes after it were never acknowledged and are dropped`, undefined);
          await truncate(path, scanned.validBytes);
        }
        const segment: Segment = { seq, path, bytes: scanned.validBytes, records: 0, open: 0, active: false, deleted: false };
        journal.segments.set(seq, segment);
        journal.totalBytes += segment.bytes;
        for (const { payload } of scanned.frames) {
          const request = parseRequest(payload);
          if (!request) continue;
          segment.records++;
          journal.totalRecords++;
          const record: Record = { segment, pending: 0 };
          recovered.push({ ...request, handle: record });
        }
      }
      journal.recoveredCounts.records = recovered.length;
      return { journal, recovered, settled: entries };
    } catch (error) {
      releaseLock(dir);
      throw error;
    }
  }

  /**
   * After recovery: the runs of a recovered record that are still to settle (none: it is settled
   * now). Then deletes the recovered segments with nothing left open.
   */
  track(handle: RecordHandle, runIds: string[]): void {
    const record = handle as Record;
    this.addPending(record, runIds);
    if (record.pending > 0) record.segment!.open++;
    this.recoveredCounts.spans += runIds.length;
  }

  /** Call once every recovered record was tracked: deletes what recovery found all settled. */
  recoveryDone(acknowledgedRuns: number): void {
    this.recoveredCounts.acknowledgedRuns = acknowledgedRuns;
    this.recovering = false;
    for (const segment of [...this.segments.values()]) this.maybeDelete(segment);
  }

  /** Why a request of `bytes` cannot be taken now (over a bound), or undefined. */
  refusal(bytes: number): string | undefined {
    if (this.closed) return 'the bridge is shutting down';
    const reason =
      this.totalBytes + bytes > this.limits.maxBytes
        ? `the data directory holds ${this.totalBytes} bytes not yet delivered, at its limit of ${this.limits.maxBytes}`
        : this.totalRecords >= this.limits.maxRecords
          ? `the data directory holds ${this.totalRecords} requests not yet all delivered, at its limit of ${this.limits.maxRecords}`
          : undefined;
    if (reason) this.counts.refusedFull++;
    return reason && `${reason}; retry later`;
  }

  /**
   * Writes one request and fsyncs it; resolves once it is on disk. Its runs are tracked at once
   * (synchronously), so the caller may hand the spans to the exporter while the write is under
   * way: a settlement that comes first is counted all the same. Rejects when it cannot be
   * written (the runs are then forgotten here; the caller answers 503 and the sender resends).
   */
  append(arrivedAt: number, format: 'protobuf' | 'json', body: Uint8Array, runIds: string[], signal: 'traces' | 'logs' = 'traces'): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    const record: Record = { segment: undefined, pending: 0 };
    this.addPending(record, runIds);
    const head = Buffer.allocUnsafe(10);
    head.writeUInt8(signal === 'logs' ? RECORD_LOGS_REQUEST : RECORD_REQUEST, 0);
    head.writeDoubleLE(arrivedAt, 1);
    head.writeUInt8(FORMATS.indexOf(format), 9);
    const { buffers, bytes } = frame([head, body]);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, buffers, bytes, resolve, reject });
      this.startWriting();
    });
  }

  /** One writer at a time; appends that come while it finishes are picked up by the next one. */
  private startWriting(): void {
    if (this.flushing) return;
    this.flushing = this.writeQueued().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.startWriting();
    });
  }

  /** A run reached a final state (the exporter's settlement listener). */
  settle(settlement: RunSettlement): void {
    if (this.stopped) return;
    // Failing because the bridge is stopping is not final: the run stays for the next start.
    if (settlement.kind === 'failed' && this.closing) return;
    // Filtered spans are not remembered: read back after a restart they are filtered again,
    // which tells the exporter to attach their children to the nearest kept ancestor.
    if (settlement.kind === 'delivered') this.settledLog.add(settlement.id, { delivered: true, parent: settlement.parent });
    else if (settlement.kind !== 'filtered') this.settledLog.add(settlement.id, { delivered: false });
    this.release(settlement.id);
    // The log records joined to this run are settled with it.
    this.release(logsOf(settlement.id));
  }

  /**
   * Settles what waits under `id` without remembering it in the settled log: the logs requests
   * whose records for a span were given up on (not joined in time), or joined to its run.
   */
  release(id: string): void {
    if (this.stopped) return;
    const holders = this.pendingById.get(id);
    if (!holders) return;
    this.pendingById.delete(id);
    if (Array.isArray(holders)) for (const record of holders) this.settleOne(record);
    else this.settleOne(holders);
  }

  /** From now on a failed run is not settled: it fails because the bridge stops. */
  beginClose(): void {
    this.closing = true;
  }

  /**
   * Finishes the writes under way, persists the settled log, deletes what is all settled (the
   * active segment too) and releases the lock. What is still open stays for the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.closed = true;
    await this.flushing;
    await this.compacting;
    if (this.active) {
      this.active.active = false;
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      this.maybeDelete(this.active);
      this.active = undefined;
    }
    await this.compacting;
    this.stopped = true;
    await this.settledLog.close();
    releaseLock(this.dir);
  }

  stats(): JournalStats {
    return {
      dir: this.dir,
      segments: this.segments.size,
      bytes: this.totalBytes,
      records: this.totalRecords,
      pendingRuns: this.pendingById.size,
      ...this.counts,
      recovered: { ...this.recoveredCounts },
    };
  }

  private addPending(record: Record, runIds: string[]): void {
    for (const id of runIds) {
      const holders = this.pendingById.get(id);
      if (holders === undefined) this.pendingById.set(id, record);
      else if (Array.isArray(holders)) holders.push(record);
      else this.pendingById.set(id, [holders, record]);
      record.pending++;
    }
  }

  private settleOne(record: Record): void {
    if (--record.pending > 0) return;
    // Still being written: it is counted as settled when the write lands (writeQueued).
    const segment = record.segment;
    if (!segment) return;
    segment.open--;
    this.maybeDelete(segment);
  }

  /** Group commit: everything queued goes in one write and one fsync; what arrives meanwhile waits for the next. */
  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      let segment: Segment | undefined;
      let start = 0;
      try {
        segment = await this.segmentToWrite();
        start = segment.bytes;
        const buffers = batch.flatMap((append) => append.buffers);
        const bytes = batch.reduce((sum, append) => sum + append.bytes, 0);
        await writeAll(this.handle!, buffers, start);
        await this.handle!.datasync();
        this.counts.fsyncs++;
        this.counts.appends += batch.length;
        segment.bytes += bytes;
        segment.records += batch.length;
        this.totalBytes += bytes;
        this.totalRecords += batch.length;
        for (const { record } of batch) {
          record.segment = segment;
          if (record.pending > 0) segment.open++;
        }
        for (const append of batch) append.resolve();
      } catch (error) {
        // Nothing of the batch counts as written: forget its runs, and leave no partial frame
        // behind that would hide later records from recovery (cut it off, or move to a new
        // segment when even that fails).
        for (const { record } of batch) this.forget(record);
        if (segment && this.handle) {
          try {
            await this.handle.truncate(start);
          } catch {
            await this.retireActive().catch(() => undefined);
          }
        }
        const failure = error instanceof Error ? error : new Error(String(error));
        this.onError(`otel-langsmith bridge: could not write ${batch.length} requests to the data directory ${this.dir}`, failure);
        for (const append of batch) append.reject(failure);
        continue;
      }
      if (segment.bytes >= this.limits.segmentBytes) {
        await this.retireActive().catch((error: unknown) => this.onError(`otel-langsmith bridge: could not close the full segment ${segment!.path}`, error));
      }
    }
  }

  /** The segment to append to, starting a new one (header written, directory entry fsynced) when there is none. */
  private async segmentToWrite(): Promise<Segment> {
    if (this.active && this.handle) return this.active;
    const seq = this.nextSeq++;
    const path = join(this.dir, `segment-${String(seq).padStart(12, '0')}.log`);
    const handle = await open(path, 'wx', 0o600);
    try {
      await writeAll(handle, [SEGMENT_MAGIC], 0);
      await handle.datasync();
      syncDirectory(this.dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
    const segment: Segment = { seq, path, bytes: SEGMENT_MAGIC.length, records: 0, open: 0, active: true, deleted: false };
    this.segments.set(seq, segment);
    this.totalBytes += segment.bytes;
    this.active = segment;
    this.handle = handle;
    return segment;
  }

  /** The active segment is full (or broken): close it; the next write starts another. */
  private async retireActive(): Promise<void> {
    const segment = this.active;
    const handle = this.handle;
    this.active = undefined;
    this.handle = undefined;
    if (!segment) return;
    segment.active = false;
    await handle?.close();
    this.maybeDelete(segment);
  }

  private forget(record: Record): void {
    for (const [id, holders] of this.pendingById) {
      if (record.pending === 0) break;
      if (holders === record) {
        this.pendingById.delete(id);
        record.pending--;
      } else if (Array.isArray(holders) && holders.includes(record)) {
        const rest = holders.filter((held) => held !== record);
        record.pending -= holders.length - rest.length;
        if (rest.length === 1) this.pendingById.set(id, rest[0]!);
        else this.pendingById.set(id, rest);
      }
    }
  }

  /**
   * Compaction: a segment no longer written to, with every record settled, is deleted. The
   * settled log is fsynced first, so after a power loss either the segment is still there or
   * what settled it is on disk.
   */
  private maybeDelete(segment: Segment): void {
    if (this.stopped || this.recovering || segment.active || segment.open > 0 || segment.deleted) return;
    segment.deleted = true;
    this.compacting = this.compacting.then(async () => {
      try {
        await this.settledLog.flush(true);
        await unlink(segment.path);
        this.segments.delete(segment.seq);
        this.totalBytes -= segment.bytes;
        this.totalRecords -= segment.records;
        this.counts.segmentsCompacted++;
      } catch (error) {
        segment.deleted = false;
        this.onError(`otel-langsmith bridge: could not delete the settled segment ${segment.path}`, error);
      }
    });
  }
}

function parseRequest(payload: Buffer): Omit<RecoveredRecord, 'handle'> | undefined {
  if (payload.length < 10) return undefined;
  const signal = SIGNAL_OF_RECORD[payload.readUInt8(0)];
  const format = FORMATS[payload.readUInt8(9)];
  if (!signal || !format) return undefined;
  return { arrivedAt: payload.readDoubleLE(1), signal, format, body: payload.subarray(10) };
}

/** FileHandle.writev may write less than asked (rarely, for large writes): go on until all is written. */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const buffer of rest) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        next.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    if (bytesWritten === 0 && next.length > 0) throw new Error('the disk took no bytes');
    rest = next;
  }
}

/** A new file's directory entry survives a power loss only once the directory is fsynced. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported everywhere (some filesystems refuse fsync on a directory): best effort.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * One bridge per directory: two would read back and delete each other's segments. The lock holds
 * the owner's pid; a lock whose process is gone (killed) is taken over, and so is one with our
 * own pid (a container restarted under the same pid).
 */
function takeLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSafe(path), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(
          `the data directory ${dir} is in use by another bridge (pid ${owner}, ${path}); give each bridge its own directory, or remove the lock file if that process is not a bridge`,
        );
      }
      try {
        unlinkSync(path);
      } catch {
        // another process took it over meanwhile: the next attempt says so
      }
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

function releaseLock(dir: string): void {
  try {
    if (Number.parseInt(readFileSafe(join(dir, LOCK_FILE)), 10) === process.pid) unlinkSync(join(dir, LOCK_FILE));
  } catch {
    // gone already
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
