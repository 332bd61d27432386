import type { CheckResult, CheckStatus } from './types.js';

const LABEL: Record<CheckStatus, string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** True when nothing failed (warnings and skipped checks do not fail). */
export function doctorPassed(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.status !== 'fail');
}

/** One line per check, and for each problem one `fix:` line under it. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.title.length));
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`[${LABEL[result.status]}] ${result.title.padEnd(width)}  ${result.detail}`);
    if (result.fix && result.status !== 'pass') lines.push(`${' '.repeat(width + 9)}fix: ${result.fix}`);
  }
  const count = (status: CheckStatus): number => results.filter((result) => result.status === status).length;
  const failed = count('fail');
  const others = [plural(count('warn'), 'warning'), `${count('skip')} skipped`].filter((part) => !part.startsWith('0 '));
  lines.push('');
  lines.push(`${failed > 0 ? `FAILED: ${plural(failed, 'check')} failed` : 'OK: no check failed'}${others.length > 0 ? ` (${others.join(', ')})` : ''}.`);
  return `${lines.join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
