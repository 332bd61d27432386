import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunCreate } from '../schema/run.js';
import { SPOOL_SUFFIX } from '../delivery/file-spool.js';

export interface SpooledRun {
  file: string;
  line: string;
  run: RunCreate;
}

export interface SpoolContents {
  runs: SpooledRun[];
  /** Lines that are not a spooled run (hand-edited files, other tools): left in place, never sent. */
  unreadable: Array<{ file: string; line: string }>;
  files: string[];
}

/** Every spooled run in a directory, oldest segment first; temporary files of unfinished writes are ignored. */
export async function readSpool(dir: string): Promise<SpoolContents> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(SPOOL_SUFFIX) && !name.startsWith('.')).sort();
  const contents: SpoolContents = { runs: [], unreadable: [], files: files.map((name) => join(dir, name)) };
  for (const file of contents.files) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const run = runOf(line);
      if (run) contents.runs.push({ file, line, run });
      else contents.unreadable.push({ file, line });
    }
  }
  return contents;
}

function runOf(line: string): RunCreate | undefined {
  try {
    const entry = JSON.parse(line) as { run?: RunCreate };
    const run = entry.run;
    return run && typeof run.id === 'string' && typeof run.name === 'string' ? run : undefined;
  } catch {
    return undefined;
  }
}

/** Rewrites a segment with the lines still to keep (atomically), or deletes it when none are left. */
export async function rewriteSegment(file: string, keep: string[]): Promise<void> {
  if (keep.length === 0) {
    await unlink(file);
    return;
  }
  const temporary = join(file, '..', `.${file.split('/').pop()}.tmp`);
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(keep.map((line) => `${line}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
