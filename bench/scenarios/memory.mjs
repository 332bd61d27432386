// Memory of runs held for their parents, each case in a fresh child process with --expose-gc.
import { runChild } from './run-child.mjs';
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

export async function runMemoryCase({ server, kind, children, childrenPerParent }) {
  const options = { url: server.url, kind, children, childrenPerParent };
  return (await runChild('./memory-child.mjs', options, { execArgv: ['--expose-gc'], label: `memory child (${kind})` })).result;
}
