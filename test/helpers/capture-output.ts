import { vi } from 'vitest';

/** Captures process.stdout/stderr writes for the duration of a test (undone by `vi.restoreAllMocks()`). */
export function captureOutput(): { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  return { stdout: () => out.join(''), stderr: () => err.join('') };
}
