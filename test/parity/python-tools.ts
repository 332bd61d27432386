// Finds the venv .ci/setup-polyglot.sh (step parity-python) prepared for the Python parity test:
// LangSmith's Python SDK and the OpenAI instrumentations, from test/parity/python/requirements.txt.
// OTEL_LANGSMITH_PARITY_PYTHON (a python executable) wins; else the cache the script fills,
// ${OTEL_LANGSMITH_CACHE:-$HOME/.cache/otel-langsmith}/parity-python/venv-<hash of requirements>.
// Returns the path, or why there is none with what the setup script last said about the step.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, hash16, type Lookup } from '../helpers/polyglot-tools.js';
import { REPO_ROOT } from '../helpers/paths.js';

export const PARITY_PYTHON_DIR = join(REPO_ROOT, 'test/parity/python');
export const PARITY_REQUIREMENTS = join(PARITY_PYTHON_DIR, 'requirements.txt');

function lastSetupLine(): string {
  try {
    const line = readFileSync(join(CACHE_DIR, 'status', 'parity-python'), 'utf8').trim();
    return line ? ` (its last run said: ${line})` : '';
  } catch {
    return ' (it has not run on this machine)';
  }
}

/** The parity venv's python, or why there is none. */
export function findParityPython(): Lookup {
  const fromEnv = process.env.OTEL_LANGSMITH_PARITY_PYTHON;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { path: undefined, reason: `OTEL_LANGSMITH_PARITY_PYTHON=${fromEnv} does not exist` };
  const hash = hash16([PARITY_REQUIREMENTS]);
  const venv = join(CACHE_DIR, 'parity-python', `venv-${hash}`);
  const python = join(venv, 'bin/python');
  try {
    accessSync(python, constants.X_OK);
    if (existsSync(join(venv, '.complete'))) return { path: python };
  } catch {
    // missing: said below
  }
  return {
    path: undefined,
    reason: `no parity Python venv for test/parity/python/requirements.txt ${hash} in ${join(CACHE_DIR, 'parity-python')}; run .ci/setup-polyglot.sh${lastSetupLine()}`,
  };
}
