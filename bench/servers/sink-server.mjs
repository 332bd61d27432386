// Child process: accepts any request (OTLP/HTTP JSON or protobuf, Zipkin v2 JSON, LangSmith POST /runs
// and /runs/batch; GET /info gets `{}` too, so the batch transport uses its defaults), reads and discards the body,
// answers 200 `{}`. Counts requests and bytes. Controlled over IPC (see ./spawn.mjs).
import { createServer } from 'node:http';
import { serveCommands } from './spawn.mjs';

let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const commands = {
  summary: () => ({ requests, bytes }),
  reset: () => {
    requests = 0;
    bytes = 0;
    return true;
  },
  usage: () => ({ cpu: process.cpuUsage(), memory: process.memoryUsage() }),
  close: async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    setImmediate(() => process.exit(0));
    return true;
  },
};

serveCommands(commands, `http://127.0.0.1:${server.address().port}`);
