import { crc32 } from './crc32.js';

/**
 * The on-disk framing shared by the journal's files (segments and the settled log):
 *
 *   file   = MAGIC (8 bytes: the kind of file and the format version) frame*
 *   frame  = length (u32 LE, of the payload, ≥ 1) crc32 (u32 LE, of the payload) payload
 *
 * A write cut short by a crash (kill -9 mid-write, power loss before the fsync) leaves a last
 * frame whose length runs past the end of the file or whose checksum does not match: the scan
 * stops there and reports where the valid part ends, so the caller can cut the torn tail off.
 * A zero length is never valid: a tail of zeros (a file extended but never written, which some
 * filesystems leave after a power loss) would otherwise read as an endless run of empty frames
 * whose checksum, crc32 of nothing, is 0.
 */

export const FRAME_HEADER_BYTES = 8;
export const MAGIC_BYTES = 8;

/** Larger than any record the bridge writes (a request is at most 64 MiB decompressed): a length past it is garbage. */
const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

export function frameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return header;
}

/** One frame as the buffers to write (header, then the payload's parts), and its size. */
export function frame(parts: Uint8Array[]): { buffers: Uint8Array[]; bytes: number } {
  const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return { buffers: [frameHeader(payload), payload], bytes: FRAME_HEADER_BYTES + payload.length };
}

export interface ScannedFile {
  /** Whether the file starts with the expected magic (false: not ours, or torn before it was written). */
  ours: boolean;
  /** Payloads of the valid frames, in order, with the offset each frame starts at. */
  frames: Array<{ offset: number; payload: Buffer }>;
  /** Where the valid part ends: the file's length when nothing is torn. */
  validBytes: number;
  /** Why the scan stopped before the end, when it did. */
  problem?: string;
}

/** Reads a journal file's frames up to the first one that is incomplete or fails its checksum. */
export function scanFrames(data: Buffer, magic: Buffer): ScannedFile {
  if (data.length < MAGIC_BYTES || !data.subarray(0, MAGIC_BYTES).equals(magic)) {
    return { ours: false, frames: [], validBytes: 0, problem: data.length < MAGIC_BYTES ? 'shorter than its header' : 'no journal header' };
  }
  const frames: ScannedFile['frames'] = [];
  let offset = MAGIC_BYTES;
  while (offset < data.length) {
    if (data.length - offset < FRAME_HEADER_BYTES) return { ours: true, frames, validBytes: offset, problem: 'a frame header cut short' };
    const length = data.readUInt32LE(offset);
    const checksum = data.readUInt32LE(offset + 4);
    if (length === 0 || length > MAX_FRAME_BYTES) return { ours: true, frames, validBytes: offset, problem: `an impossible frame length ${length}` };
    const start = offset + FRAME_HEADER_BYTES;
    if (start + length > data.length) return { ours: true, frames, validBytes: offset, problem: 'a frame cut short' };
    const payload = data.subarray(start, start + length);
    if (crc32(payload) !== checksum) return { ours: true, frames, validBytes: offset, problem: 'a frame whose checksum does not match' };
    frames.push({ offset, payload });
    offset = start + length;
  }
  return { ours: true, frames, validBytes: offset };
}
