// Memory of runs held for their parents, each case in a fresh child process with --expose-gc.
import { fork } from 'node:child_process';
import { QUICK } from '../workload.mjs';

export const MEMORY_CASES = QUICK
  ? [
      { kind: 'small', children: 10_000, childrenPerParent: 100 },
      { kind: 'llm', children: 500, childrenPerParent: 5 },
    ]
  : [
      { kind: 'small', children: 100_000, childrenPerParent: 100 },
      { kind: 'llm', children: 5_000, childrenPerParent: 5 },
    ];

export function runMemoryCase({ server, kind, children, childrenPerParent }) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./memory-child.mjs', import.meta.url), [JSON.stringify({ url: server.url, kind, children, childrenPerParent })], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.once('message', (message) => (result = message));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`memory child (${kind}) exited with ${code}`))));
  });
}
