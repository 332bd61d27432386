import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, zlib's), the checksum of every journal frame. Node has it built in from
 * 20.15 (`zlib.crc32`, native and fast); older Node 20 releases, which `engines` still allows, get
 * the classic table-driven version below (about 10× slower: still far below the cost of the fsync
 * every request pays).
 */
export const crc32: (data: Uint8Array) => number = nativeCrc32() ?? tableCrc32;

function nativeCrc32(): ((data: Uint8Array) => number) | undefined {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return typeof native === 'function' ? (data) => native(data) >>> 0 : undefined;
}

let table: Uint32Array | undefined;

/** The reference algorithm (reflected polynomial 0xEDB88320), exported for the test that pins both to each other. */
export function tableCrc32(data: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
