// The per-span cost scenario (mapping-cost-child.mjs) in a process of its own: it needs --expose-gc
// to charge each candidate its own garbage collections, and its JIT and heap state stay out of the
// throughput figures measured in this process afterwards.
import { fork } from 'node:child_process';

export function runMappingCost() {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./mapping-cost-child.mjs', import.meta.url), [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.once('message', (message) => {
      result = message;
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`mapping-cost child exited with ${code}`))));
  });
}
