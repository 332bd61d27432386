// The parity table every parity test prints at its end: producer | fields agreeing / total |
// differences. Each test file runs in a process of its own, so the table is also kept in a file
// (${PARITY_OUT_DIR:-/tmp/parity}/table.md) where each file's run replaces its own producers' rows
// and keeps the others'; each producer's differences go to diff-<producer>.md beside it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDifferences, type Difference } from './compare-runs.js';

export interface ParityRow {
  producer: string;
  agreeing: number;
  total: number;
  differences: Difference[];
  /** e.g. what the producer is, or why it was not measured. */
  note?: string;
}

export const PARITY_OUT_DIR = process.env.PARITY_OUT_DIR || '/tmp/parity';

const HEADER = ['| producer | fields agreeing / total | differences | note |', '|---|---|---|---|'];

function line(row: ParityRow): string {
  const percent = row.total === 0 ? '-' : `${((100 * row.agreeing) / row.total).toFixed(1)} %`;
  return `| ${row.producer} | ${row.agreeing} / ${row.total} (${percent}) | ${row.differences.length} | ${row.note ?? ''} |`;
}

/** The rows as a markdown table. */
export function formatTable(rows: ParityRow[]): string {
  return [...HEADER, ...rows.map(line)].join('\n');
}

/**
 * Prints the rows as one table, replaces their lines in table.md (other producers' lines stay)
 * and writes each producer's differences to diff-<producer>.md. Returns the printed table.
 */
export function recordParity(rows: ParityRow[]): string {
  const table = formatTable(rows);
  console.log(`\nparity (${new Date().toISOString()}):\n${table}\n`);
  try {
    mkdirSync(PARITY_OUT_DIR, { recursive: true });
    const path = join(PARITY_OUT_DIR, 'table.md');
    let kept: string[] = [];
    try {
      const mine = new Set(rows.map((row) => row.producer));
      kept = readFileSync(path, 'utf8')
        .split('\n')
        .filter((text) => /^\| (?!producer |---)/.test(text))
        .filter((text) => !mine.has(text.split('|')[1]!.trim()));
    } catch {
      // no table yet
    }
    const lines = [...kept, ...rows.map(line)].sort();
    writeFileSync(path, `${[...HEADER, ...lines].join('\n')}\n`);
    for (const row of rows) {
      const body = row.differences.length === 0 ? 'no differences\n' : `${formatDifferences(row.differences, 2000)}\n`;
      writeFileSync(join(PARITY_OUT_DIR, `diff-${row.producer}.md`), `# ${row.producer}: ${row.agreeing} / ${row.total} fields agree\n\n${body}`);
    }
  } catch (error) {
    console.warn(`parity table not written to ${PARITY_OUT_DIR}: ${(error as Error).message}`);
  }
  return table;
}
