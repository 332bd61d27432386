// Starts a server module in a child process and talks to it over IPC: `call('reset')`, `close()`.
import { fork } from 'node:child_process';

/** In the server's child process: answers `call(cmd)` from `commands`, then says it is ready at `url`. */
export function serveCommands(commands, url) {
  process.on('message', async ({ id, cmd }) => {
    try {
      process.send({ id, result: await commands[cmd]() });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, url });
}

export async function startServerProcess(name, { execArgv = [] } = {}) {
  const child = fork(new URL(`./${name}.mjs`, import.meta.url), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 1;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
    child.on('message', (message) => {
      if (message.ready) return resolve(message.url);
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  });
  const call = (cmd) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd });
    });
  return {
    url,
    pid: child.pid,
    call,
    /** Asks the server to close, then waits for the process to exit. */
    async close() {
      if (child.exitCode === null) await call('close').catch(() => undefined);
      await exited;
    },
    /** Kills the process (for "server down" scenarios). */
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
