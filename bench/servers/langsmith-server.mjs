// Child process: the strict local LangSmith server (otel-langsmith/testing), so that its request
// handling never shares the measured event loop. Controlled over IPC (see ./spawn.mjs).
import { startLocalServer } from 'otel-langsmith/testing';
import { serveCommands } from './spawn.mjs';

const server = await startLocalServer({ apiKey: 'bench-key', maxBodyBytes: 32 * 1024 * 1024 });

const commands = {
  count: () => server.runs().length,
  /** Runs stored and requests by status, for checking a scenario delivered what it claims. */
  summary: () => {
    const statuses = {};
    for (const request of server.requests()) statuses[request.status] = (statuses[request.status] ?? 0) + 1;
    return { runs: server.runs().length, statuses };
  },
  reset: () => {
    server.reset();
    return true;
  },
  usage: () => ({ cpu: process.cpuUsage(), memory: process.memoryUsage() }),
  close: async () => {
    await server.close();
    setImmediate(() => process.exit(0));
    return true;
  },
};

serveCommands(commands, server.url);
