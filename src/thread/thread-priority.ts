import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value the delivery worker takes: the application's threads win a contended core. */
export const WORKER_NICENESS = 10;

/**
 * Lowers the calling thread's scheduling priority (Linux: a thread is a task of its own, and
 * setpriority on its id affects it alone; /proc/thread-self names it). On a machine whose cores
 * are busy, the delivery worker then takes the CPU the application leaves, instead of making the
 * application's thread wait for a core. It still gets its share (a nice-10 thread about a tenth
 * of a contended core), so delivery keeps going. Elsewhere, or when not permitted: nothing.
 * Returns whether the priority was lowered.
 */
export function lowerThreadPriority(niceness = WORKER_NICENESS): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
