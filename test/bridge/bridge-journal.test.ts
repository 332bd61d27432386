// The bridge's journal (src/bridge/journal/) alone: framing and checksums, append and read back,
// segment rotation, compaction once everything in a segment settled, the bounds, the settled log
// (acknowledged parents remembered across a restart), the lock, and a torn last record cut at
// every byte offset: start-up recovers everything acknowledged before it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, tableCrc32 } from '../../src/bridge/journal/crc32.js';
import { frame, scanFrames } from '../../src/bridge/journal/frames.js';
import { Journal, type JournalLimits } from '../../src/bridge/journal/journal.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-journal-'));
  roots.push(dir);
  return dir;
}

const LIMITS: JournalLimits = { maxBytes: 64 * 1024 * 1024, maxRecords: 10_000, segmentBytes: 8 * 1024 * 1024 };
const quiet = (): void => {};

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('segment-'))
    .sort();
}

/** A request body standing for one OTLP request (the journal does not look inside). */
function body(n: number, size = 100): Buffer {
  return Buffer.concat([Buffer.from(`request ${n}:`), randomBytes(size)]);
}

const runId = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

describe('frames', () => {
  it('crc32 is zlib’s CRC-32, native and table-driven alike', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    for (let i = 0; i < 50; i++) {
      const data = randomBytes(i * 37);
      expect(tableCrc32(data)).toBe(crc32(data));
    }
  });

  it('reads frames back and stops at a torn or corrupt one, a zero length, or zeros', () => {
    const magic = Buffer.from('TESTMAG1');
    const parts = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')];
    const file = Buffer.concat([magic, ...parts.flatMap((part) => frame([part]).buffers)]);
    const whole = scanFrames(file, magic);
    expect(whole.frames.map((f) => f.payload.toString())).toEqual(['one', 'two', 'three']);
    expect(whole.validBytes).toBe(file.length);
    expect(whole.problem).toBeUndefined();

    const flipped = Buffer.from(file);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 1, flipped.length - 1);
    expect(scanFrames(flipped, magic)).toMatchObject({ frames: [{}, {}], problem: 'a frame whose checksum does not match' });
    expect(scanFrames(Buffer.concat([file, Buffer.alloc(64)]), magic)).toMatchObject({ validBytes: file.length, problem: 'an impossible frame length 0' });
    expect(scanFrames(file.subarray(0, 5), magic)).toMatchObject({ ours: false, validBytes: 0 });
    expect(scanFrames(Buffer.from('NOTOURS!xxxxxxxx'), magic)).toMatchObject({ ours: false });
  });
});

describe('append, read back, settle', () => {
  it('reads back every request not settled, in order, with its format and arrival time', async () => {
    const dir = tempDir();
    const { journal, recovered } = await Journal.open(dir, LIMITS, quiet);
    expect(recovered).toEqual([]);
    journal.recoveryDone(0);
    const bodies = [body(1), body(2), body(3)];
    await journal.append(1000, 'protobuf', bodies[0]!, [runId(1), runId(2)]);
    await journal.append(2000, 'json', bodies[1]!, [runId(3)]);
    await journal.append(3000, 'protobuf', bodies[2]!, [runId(4)]);
    journal.settle({ id: runId(3), kind: 'delivered', parent: { startMicros: 5 } });
    expect(journal.stats()).toMatchObject({ records: 3, pendingRuns: 3, appends: 3 });
    await journal.close();

    const again = await Journal.open(dir, LIMITS, quiet);
    // All three are read back (the second settled, but its segment is still there): the caller
    // skips the settled spans with the settled log, which remembers the acknowledgement.
    expect(again.recovered.map((r) => [r.arrivedAt, r.format, r.body])).toEqual([
      [1000, 'protobuf', bodies[0]],
      [2000, 'json', bodies[1]],
      [3000, 'protobuf', bodies[2]],
    ]);
    expect(again.settled.get(runId(3))).toEqual({ delivered: true, parent: { startMicros: 5 } });
    await again.journal.close();
  });

  it('rotates segments at segmentBytes and deletes each one once all its records settled (compaction)', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, { ...LIMITS, segmentBytes: 1000 }, quiet);
    journal.recoveryDone(0);
    for (let n = 1; n <= 20; n++) await journal.append(n, 'protobuf', body(n, 300), [runId(n)]);
    const written = segments(dir);
    expect(written.length).toBeGreaterThanOrEqual(4);
    expect(journal.stats()).toMatchObject({ records: 20, pendingRuns: 20 });

    // Settle the first ten: the segments holding only them go, the rest stay.
    for (let n = 1; n <= 10; n++) journal.settle({ id: runId(n), kind: n % 2 ? 'delivered' : 'rejected', ...(n % 2 ? { parent: { startMicros: n } } : {}) } as never);
    await until(() => journal.stats().segmentsCompacted >= 2);
    const left = segments(dir);
    expect(left.length).toBeLessThan(written.length);
    expect(left[0]! > written[0]!).toBe(true);
    expect(journal.stats().records).toBeGreaterThanOrEqual(10);

    for (let n = 11; n <= 20; n++) journal.settle({ id: runId(n), kind: 'spooled' });
    await journal.close(); // the active segment, all settled, goes too
    expect(segments(dir)).toEqual([]);
    const again = await Journal.open(dir, LIMITS, quiet);
    expect(again.recovered).toEqual([]);
    expect(again.settled.size).toBe(20);
    await again.journal.close();
  });

  it('settles every copy of a run: a resend of the same spans is settled with the first', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, LIMITS, quiet);
    journal.recoveryDone(0);
    await journal.append(1, 'protobuf', body(1), [runId(1), runId(2)]);
    await journal.append(2, 'protobuf', body(1), [runId(1), runId(2)]); // the sender's resend
    expect(journal.stats().pendingRuns).toBe(2);
    journal.settle({ id: runId(1), kind: 'delivered', parent: { startMicros: 0 } });
    journal.settle({ id: runId(2), kind: 'delivered', parent: { startMicros: 0 } });
    expect(journal.stats().pendingRuns).toBe(0);
    await journal.close();
    expect(segments(dir)).toEqual([]);
  });

  it('does not settle a run that fails once the bridge is closing: it stays for the next start', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, LIMITS, quiet);
    journal.recoveryDone(0);
    await journal.append(1, 'protobuf', body(1), [runId(1), runId(2)]);
    journal.settle({ id: runId(1), kind: 'failed' }); // failed and counted while running: final
    journal.beginClose();
    journal.settle({ id: runId(2), kind: 'failed' }); // cut short by the shutdown: not final
    await journal.close();
    const again = await Journal.open(dir, LIMITS, quiet);
    expect(again.recovered).toHaveLength(1);
    expect(again.settled.has(runId(1))).toBe(true);
    expect(again.settled.has(runId(2))).toBe(false);
    await again.journal.close();
  });

  it('does not remember filtered spans: read back, the filter sees them again', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, LIMITS, quiet);
    journal.recoveryDone(0);
    await journal.append(1, 'protobuf', body(1), [runId(1), runId(2)]);
    journal.settle({ id: runId(1), kind: 'filtered' });
    await journal.close();
    const again = await Journal.open(dir, LIMITS, quiet);
    expect(again.settled.has(runId(1))).toBe(false);
    await again.journal.close();
  });

  it('keeps two generations of settlements: always the newest, the oldest dropped whole', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, LIMITS, quiet);
    journal.recoveryDone(0);
    // The settled log's generations hold 50 000 entries; write 120 000 in flushes of 10 000.
    for (let batch = 0; batch < 12; batch++) {
      for (let n = batch * 10_000; n < (batch + 1) * 10_000; n++) journal.settle({ id: runId(n), kind: 'delivered', parent: { startMicros: n } });
      await new Promise((resolve) => setTimeout(resolve, 150)); // the log writes every 100 ms
    }
    await journal.close();
    const again = await Journal.open(dir, LIMITS, quiet);
    expect(again.settled.has(runId(119_999))).toBe(true);
    expect(again.settled.get(runId(70_000))).toEqual({ delivered: true, parent: { startMicros: 70_000 } });
    expect(again.settled.has(runId(0))).toBe(false);
    expect(again.settled.size).toBeGreaterThanOrEqual(50_000);
    expect(again.settled.size).toBeLessThanOrEqual(100_000);
    await again.journal.close();
  });
});

describe('bounds', () => {
  it('refuses past maxRecords and maxBytes until compaction makes room', async () => {
    const dir = tempDir();
    const { journal } = await Journal.open(dir, { maxBytes: 1_000_000, maxRecords: 3, segmentBytes: 200 }, quiet);
    journal.recoveryDone(0);
    for (let n = 1; n <= 3; n++) {
      expect(journal.refusal(300)).toBeUndefined();
      await journal.append(n, 'protobuf', body(n, 300), [runId(n)]);
    }
    expect(journal.refusal(300)).toMatch(/holds 3 requests not yet all delivered, at its limit of 3; retry later/);
    journal.settle({ id: runId(1), kind: 'delivered', parent: { startMicros: 0 } });
    await until(() => journal.refusal(300) === undefined);
    expect(journal.stats().refusedFull).toBeGreaterThanOrEqual(1);
    await journal.close();

    const bytes = tempDir();
    const small = await Journal.open(bytes, { maxBytes: 1000, maxRecords: 100, segmentBytes: 200 }, quiet);
    small.journal.recoveryDone(0);
    await small.journal.append(1, 'protobuf', body(1, 600), [runId(1)]);
    expect(small.journal.refusal(600)).toMatch(/at its limit of 1000 bytes|limit of 1000; retry later/);
    await small.journal.close();
  });
});

describe('the lock', () => {
  it('refuses a directory another live process holds, and takes over one whose process is gone', async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'LOCK'), `${other.pid}\n`);
      await expect(Journal.open(dir, LIMITS, quiet)).rejects.toThrow(/in use by another bridge \(pid \d+/);
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((resolve) => other.once('exit', resolve));
    const { journal } = await Journal.open(dir, LIMITS, quiet); // the holder is gone
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await journal.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });
});

describe('a crash in the middle of a write', () => {
  it('truncated at EVERY byte offset of the newest segment’s last record: start-up recovers everything acknowledged before it', async () => {
    const base = tempDir();
    const acknowledged = [body(1, 40), body(2, 40), body(3, 40)];
    const last = body(4, 40);
    const { journal } = await Journal.open(base, LIMITS, quiet);
    journal.recoveryDone(0);
    for (const [i, b] of acknowledged.entries()) await journal.append(i + 1, 'protobuf', b, [runId(i + 1)]);
    const [name] = segments(base);
    const lastStart = statSync(join(base, name!)).size;
    await journal.append(4, 'json', last, [runId(4)]);
    await journal.close();
    const fullSize = statSync(join(base, name!)).size;
    expect(fullSize).toBeGreaterThan(lastStart);

    const messages: string[] = [];
    for (let cut = lastStart; cut <= fullSize; cut++) {
      const dir = join(tempDir(), 'data');
      cpSync(base, dir, { recursive: true });
      truncateSync(join(dir, name!), cut);
      const opened = await Journal.open(dir, LIMITS, (message) => messages.push(message));
      const expected = cut === fullSize ? [...acknowledged, last] : acknowledged;
      expect(opened.recovered.map((r) => r.body), `cut at ${cut}`).toEqual(expected);
      // The torn tail is cut off, so the file is whole again and later starts do not trip on it.
      expect(statSync(join(dir, name!)).size).toBe(cut === fullSize ? fullSize : lastStart);
      expect(opened.journal.stats().recovered.tornBytes).toBe(cut === fullSize ? 0 : cut - lastStart);
      // It goes on working: a new request is written to a new segment and read back after it.
      for (const r of opened.recovered) opened.journal.track(r.handle, []);
      opened.journal.recoveryDone(0);
      await opened.journal.append(5, 'protobuf', body(5), [runId(5)]);
      await opened.journal.close();
      const again = await Journal.open(dir, LIMITS, quiet);
      expect(again.recovered.map((r) => r.arrivedAt)).toEqual([5]); // the others were all settled (tracked with nothing pending)
      await again.journal.close();
    }
    expect(messages.length).toBe(fullSize - lastStart - 1); // one warning per torn start (not at either frame boundary), never silent
  }, 60_000);

  it('a last record with a flipped byte anywhere is dropped too, and a segment torn inside its header is removed', async () => {
    const base = tempDir();
    const { journal } = await Journal.open(base, LIMITS, quiet);
    journal.recoveryDone(0);
    await journal.append(1, 'protobuf', body(1, 20), [runId(1)]);
    const [name] = segments(base);
    const lastStart = statSync(join(base, name!)).size;
    await journal.append(2, 'protobuf', body(2, 20), [runId(2)]);
    await journal.close();
    const fullSize = statSync(join(base, name!)).size;
    for (let at = lastStart; at < fullSize; at++) {
      const dir = join(tempDir(), 'data');
      cpSync(base, dir, { recursive: true });
      const data = readFileSync(join(dir, name!));
      data.writeUInt8(data.readUInt8(at) ^ 0x40, at);
      writeFileSync(join(dir, name!), data);
      const opened = await Journal.open(dir, LIMITS, quiet);
      expect(opened.recovered.map((r) => r.arrivedAt), `byte ${at}`).toEqual([1]);
      await opened.journal.close();
    }
    for (let cut = 0; cut < 8; cut++) {
      const dir = join(tempDir(), 'data');
      cpSync(base, dir, { recursive: true });
      truncateSync(join(dir, name!), cut);
      const opened = await Journal.open(dir, LIMITS, quiet);
      expect(opened.recovered).toEqual([]);
      expect(segments(dir)).toEqual([]);
      await opened.journal.close();
    }
  }, 60_000);
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
