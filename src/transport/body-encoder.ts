/** Bodies up to this many UTF-16 units are written into the shared slab; longer ones get their own buffer. */
const MAX_SLAB_CHARS = 5 * 1024;
const SLAB_BYTES = 64 * 1024;

/**
 * UTF-8 bytes of request bodies, written one after another into a 64 KiB slab. `Buffer.from(text)`
 * (what undici does with a string body) measures each body's byte length first, then writes it
 * into an 8 KiB pool it renews every few bodies: 0.8–1.2 µs for a 1.2 KB run, where one `write`
 * into room known to be enough (3 bytes per UTF-16 unit at most) takes 0.5.
 *
 * A body's buffer is a view into its slab and keeps the whole slab alive: a request holds its
 * buffer only while in flight (a retry encodes again), so at most one slab per request in flight
 * is pinned, 64 KiB × `maxConcurrentRequests` in the worst case. One encoder per transport, used
 * by one thread.
 */
export class BodyEncoder {
  private slab = Buffer.allocUnsafe(0);
  private used = 0;

  encode(text: string): Buffer {
    if (text.length > MAX_SLAB_CHARS) return Buffer.from(text, 'utf8');
    if (this.slab.length - this.used < text.length * 3) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.used += this.slab.write(text, start, 'utf8');
    return this.slab.subarray(start, this.used);
  }
}
