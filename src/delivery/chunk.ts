/** How many items, and how many bytes of them, one request may carry. */
export interface ChunkLimits<T> {
  maxItems: number;
  maxBytes: number;
  sizeOf(item: T): number;
}

/** One item per chunk: single `POST /runs`. */
export const ONE_AT_A_TIME: ChunkLimits<unknown> = { maxItems: 1, maxBytes: Number.POSITIVE_INFINITY, sizeOf: () => 0 };

/**
 * Where the chunk starting at `start` ends (exclusive, at most `end`): always at least one item,
 * even one over `maxBytes` alone (the server judges it), then as many as fit both limits.
 */
export function chunkEnd<T>(items: readonly T[], start: number, end: number, limits: ChunkLimits<T>): number {
  let i = start;
  let bytes = 0;
  while (i < end && i - start < limits.maxItems) {
    const size = limits.sizeOf(items[i]!);
    if (i > start && bytes + size > limits.maxBytes) break;
    bytes += size;
    i++;
  }
  return i;
}

/** The items split, in order, into chunks within the limits. */
export function splitIntoChunks<T>(items: readonly T[], limits: ChunkLimits<T>): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; ) {
    const end = chunkEnd(items, start, items.length, limits);
    chunks.push(items.slice(start, end));
    start = end;
  }
  return chunks;
}
