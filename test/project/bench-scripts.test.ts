// The benchmark is never part of `npm test` (it takes minutes and its figures are timing), so a
// script of it that no longer parses would only show when someone runs it. This checks that every
// bench script at least compiles.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BENCH = new URL('../../bench/', import.meta.url).pathname;

function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'results' ? [] : scripts(join(dir, entry.name));
    return entry.name.endsWith('.mjs') ? [join(dir, entry.name)] : [];
  });
}

describe('bench scripts', () => {
  const files = scripts(BENCH);

  it('are found', () => {
    expect(files.map((file) => file.slice(BENCH.length))).toEqual(expect.arrayContaining(['run.mjs', 'report.mjs', 'scenarios/mapping-cost.mjs']));
  });

  it.each(files.map((file) => [file.slice(BENCH.length), file]))('%s parses', (_name, file) => {
    expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' })).not.toThrow();
  });
});
