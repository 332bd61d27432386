// Shared by test/polyglot/*.test.ts: child processes (the Python and Go examples, the Collector)
// on 127.0.0.1 only, with a clean environment, killed when the test process ends; and helpers to
// look at the trees the strict local LangSmith server stored.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, type Tracer } from '@opentelemetry/api';
import type { LocalServer, RunNode, StoredRun } from 'otel-langsmith/testing';
import { expect } from 'vitest';

/* ---------- processes ---------- */

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * The environment for an example or the Collector: ours, without anything that could send its
 * data elsewhere (OTEL_*, LangSmith settings, proxies, an inherited TRACEPARENT), plus `extra`.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OTEL_|LANGSMITH_|LANGCHAIN_|TRACEPARENT$|TRACESTATE$|https?_proxy$|all_proxy$|no_proxy$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killing it after `timeoutMs`). */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface Service {
  child: ChildProcess;
  /** What the process printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

function track(child: ChildProcess): Service {
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  void exited.then(() => children.delete(child));
  return {
    child,
    output: () => output,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Starts a long-running process and waits for a line of its stdout matching `ready`. */
export async function startService(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 20_000,
): Promise<Service & { match: RegExpMatchArray }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const service = track(child);
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`${command} printed nothing matching ${ready} in ${timeoutMs} ms:\n${service.output()}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const found = seen.match(ready);
      if (found) {
        cleanup();
        resolve(found);
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`${command} exited (${code}) before it was ready:\n${service.output()}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
    };
    function fail(error: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
  });
  return { ...service, match };
}

/** Ports free on 127.0.0.1 right now, all different (held together until each is known). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/* ---------- the Collector ---------- */

export interface Collector extends Service {
  /** OTLP/HTTP receiver base URL, e.g. http://127.0.0.1:PORT (senders post to /v1/traces). */
  httpUrl: string;
  /** OTLP/gRPC receiver, host:port. */
  grpcEndpoint: string;
  queueDir: string;
  /** The Collector's own metrics (Prometheus text), summed by metric name over all label sets. */
  metrics(): Promise<Record<string, number>>;
  /** Stops the process and removes its queue directory. */
  close(): Promise<void>;
}

/**
 * Starts the built Collector with the config files given (merged in order, as `--config` does),
 * every address on a free 127.0.0.1 port through the env overrides the example configs read,
 * a fresh queue directory, and `env` on top. Resolves once the OTLP receivers accept connections.
 */
export async function startCollector(binary: string, configs: string[], env: Record<string, string> = {}): Promise<Collector> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCollectorOnce(binary, configs, env);
    } catch (error) {
      // The ports are free when picked, not necessarily when the Collector binds them: another
      // process of the suite can take one in between. Fresh ports then, a couple of times.
      if (attempt < 3 && /address already in use/.test((error as Error).message)) continue;
      throw error;
    }
  }
}

async function startCollectorOnce(binary: string, configs: string[], env: Record<string, string>): Promise<Collector> {
  const [grpcPort, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const queueDir = mkdtempSync(join(tmpdir(), 'otelcol-queue-'));
  const child = spawn(binary, configs.flatMap((config) => ['--config', config]), {
    env: childEnv({
      OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
      OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
      OTELCOL_METRICS_HOST: '127.0.0.1',
      OTELCOL_METRICS_PORT: String(metricsPort),
      OTELCOL_QUEUE_DIR: queueDir,
      OTELCOL_LOG_LEVEL: 'warn',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = track(child);
  const deadline = Date.now() + 30_000;
  while (!((await canConnect(httpPort)) && (await canConnect(grpcPort)))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(queueDir, { recursive: true, force: true });
      throw new Error(`the Collector exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${service.output()}`);
    }
    if (Date.now() > deadline) {
      await service.stop(1000);
      rmSync(queueDir, { recursive: true, force: true });
      throw new Error(`the Collector was not ready in 30 s:\n${service.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    ...service,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    queueDir,
    async metrics() {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return sumMetrics(await response.text());
    },
    async close() {
      await service.stop(20_000);
      rmSync(queueDir, { recursive: true, force: true });
    },
  };
}

/** Prometheus text format → value per metric name, summed over label sets. */
export function sumMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/);
    if (!match) continue;
    out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}

/** A YAML file in a fresh temporary directory, for `--config`; returns its path. */
export function tempConfig(name: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'otelcol-config-'));
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/* ---------- stored trees ---------- */

export interface Shape {
  name: string;
  children: Shape[];
}

/** A stored tree as names only (children in start order), for toEqual. */
export function shape(node: RunNode): Shape {
  return { name: node.run.name, children: node.children.map(shape) };
}

/** Every run of a tree, depth first. */
export function flatten(node: RunNode): StoredRun[] {
  return [node.run, ...node.children.flatMap(flatten)];
}

/** The stored trees whose runs carry this OTel trace id (32 hex digits). */
export function treesOfOtelTrace(server: LocalServer, otelTraceId: string): RunNode[] {
  return server.traces().filter((tree) => tree.run.extra?.metadata?.['otel.trace_id'] === otelTraceId);
}

/** The first run with this name in a tree (depth first). */
export function findRun(node: RunNode, name: string): StoredRun | undefined {
  return flatten(node).find((run) => run.name === name);
}

/** The trace ids the Python and Go examples print, one `trace <id>` line each. */
export const printedTraceIds = (stdout: string): string[] => [...stdout.matchAll(/^trace ([0-9a-f]{32})$/gm)].map((m) => m[1]!);

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The trace the Collector tests send: root → (step 1 → detail, step 2), children ending before their parents. */
export const COLLECTOR_TREE: Shape = {
  name: 'handle request',
  children: [
    { name: 'step 1', children: [{ name: 'detail', children: [] }] },
    { name: 'step 2', children: [] },
  ],
};

/** Sends one COLLECTOR_TREE trace; distinct start times (1 ms apart), so the stored children have one order. */
export function oneCollectorTrace(tracer: Tracer, n: number): string {
  const t = Date.now();
  const root = tracer.startSpan('handle request', { attributes: { 'request.number': n }, startTime: t });
  const rootContext = trace.setSpan(context.active(), root);
  const step1 = tracer.startSpan('step 1', { startTime: t + 1 }, rootContext);
  tracer.startSpan('detail', { startTime: t + 2 }, trace.setSpan(rootContext, step1)).end(t + 3);
  step1.end(t + 4);
  tracer.startSpan('step 2', { startTime: t + 5 }, rootContext).end(t + 6);
  root.end(t + 7);
  return root.spanContext().traceId;
}

/** Each trace arrived whole at `server`: one tree of COLLECTOR_TREE's shape, every run in it sharing the root's trace id. */
export function expectCollectorTrees(server: LocalServer, traceIds: string[]): void {
  for (const traceId of traceIds) {
    const trees = treesOfOtelTrace(server, traceId);
    expect(trees, `trace ${traceId}`).toHaveLength(1);
    expect(shape(trees[0]!)).toEqual(COLLECTOR_TREE);
    for (const run of flatten(trees[0]!)) expect(run.trace_id).toBe(trees[0]!.run.id);
  }
}
