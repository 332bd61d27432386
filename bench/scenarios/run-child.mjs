// A scenario's child process: started with its options as the one argument, it sends one message
// (its result) and disconnects. Resolves with that message once the child has exited.
import { fork } from 'node:child_process';

export function runChild(script, options, { execArgv = process.execArgv, label = script } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(script, import.meta.url), options === undefined ? [] : [JSON.stringify(options)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.once('message', (message) => (result = message));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve({ result, pid: child.pid }) : reject(new Error(`${label} exited with ${code}`))));
  });
}
