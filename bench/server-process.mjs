// The strict local server in its own process, so it does not share the exporter's event loop.
import { startLocalServer } from 'otel-langsmith/testing';

const server = await startLocalServer({ apiKey: 'bench-key', maxBodyBytes: 32 * 1024 * 1024 });
process.send({ url: server.url });
process.on('message', async (message) => {
  if (message === 'count') process.send({ count: server.runs().length });
  if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
