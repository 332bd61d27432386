// The filtering property through the OTLP bridge: spans of two services, each service's spans
// naming their parent in the other as remote, which the bridge waits for (remoteParents: 'wait').
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from 'otel-langsmith/bridge';
import { startLocalServer, type LocalServer } from 'otel-langsmith/testing';
import { rawRequest, runIdOf, spanId, TEST_KEY } from '../helpers/bridge-harness.js';
import { chunked, expectFilteredTrees, filteredForests, keptNodes, spanFilterOf, type FilteredForest, type NodeKind } from '../helpers/filtered-trees.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ apiKey: TEST_KEY });
});
afterAll(() => server.close());

const OTLP_KIND: Record<NodeKind, { kind: number; attributes: Record<string, string> }> = {
  chain: { kind: 1, attributes: {} },
  llm: { kind: 1, attributes: { 'langsmith.span.kind': 'llm' } },
  tool: { kind: 1, attributes: { 'langsmith.span.kind': 'tool' } },
  'http-server': { kind: 2, attributes: { 'http.request.method': 'GET', 'http.route': '/ask' } },
  'http-client': { kind: 3, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1/v1/chat' } },
};

/** OTLP Span.flags: the parent's remoteness is known (0x100), and it is remote (0x200). */
const LOCAL_PARENT = 0x100;
const REMOTE_PARENT = 0x300;

const BASE_NANOS = 1_714_564_800_000_000_000n;

interface OtlpNode {
  spanId: string;
  service: string;
  span: Record<string, unknown>;
}

/** One OTLP/JSON span per node, a child starting after its parent and ending before it. */
function otlpNodes(forest: FilteredForest, services: number[], unknownRemoteness: boolean[]): OtlpNode[] {
  const ids = forest.parents.map(() => spanId());
  const rootOf = (i: number): number => (forest.parents[i] === undefined ? i : rootOf(forest.parents[i]!));
  const depth = (i: number): number => (forest.parents[i] === undefined ? 0 : 1 + depth(forest.parents[i]!));
  return forest.parents.map((parent, i) => {
    const service = `service-${services[i]}`;
    const crossesServices = parent !== undefined && services[parent] !== services[i];
    const { kind, attributes } = OTLP_KIND[forest.kinds[i]!];
    const start = BASE_NANOS + BigInt(depth(i)) * 1_000_000n;
    return {
      spanId: ids[i]!,
      service,
      span: {
        traceId: (rootOf(i) + 1).toString(16).padStart(32, 'a'),
        spanId: ids[i]!,
        ...(parent === undefined ? {} : { parentSpanId: ids[parent]! }),
        // A sender that does not say is taken as remote too.
        flags: crossesServices ? (unknownRemoteness[i] ? 0 : REMOTE_PARENT) : LOCAL_PARENT,
        name: `n${i}`,
        kind,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 1_000_000_000n - BigInt(depth(i)) * 1_000_000n),
        attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
      },
    };
  });
}

/** One OTLP request for a chunk of node indexes, one resource per service; also the order the bridge reads them in. */
function otlpRequest(nodes: OtlpNode[], chunk: number[]): { body: unknown; readOrder: number[] } {
  const services = [...new Set(chunk.map((i) => nodes[i]!.service))];
  const readOrder = services.flatMap((service) => chunk.filter((i) => nodes[i]!.service === service));
  return {
    readOrder,
    body: {
      resourceSpans: services.map((service) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'property', version: '1.0.0' }, spans: chunk.filter((i) => nodes[i]!.service === service).map((i) => nodes[i]!.span) }],
      })),
    },
  };
}

const keepsAncestors = (forest: FilteredForest) => forest.filter.type === 'llmAndAncestors' || (forest.filter.type === 'object' && forest.filter.keepAncestors);

describe('property: the bridge with remoteParents: wait, random trees across two services, request splits and span filters', () => {
  it('delivers every kept span once, parent first, under its nearest kept ancestor, never as an orphan', async () => {
    await fc.assert(
      fc.asyncProperty(
        filteredForests(20).chain((forest) =>
          fc.record({
            forest: fc.constant(forest),
            services: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: forest.parents.length, maxLength: forest.parents.length }),
            unknownRemoteness: fc.array(fc.boolean(), { minLength: forest.parents.length, maxLength: forest.parents.length }),
            concurrent: fc.boolean(),
            deliveryThread: fc.constantFrom('main' as const, 'worker' as const),
            transport: fc.constantFrom('runs' as const, 'batch' as const),
          }),
        ),
        async ({ forest, services, unknownRemoteness, concurrent, deliveryThread, transport }) => {
          server.reset();
          const nodes = otlpNodes(forest, services, unknownRemoteness);
          const requests = chunked(forest.endOrder, forest.chunkSizes).map((chunk) => otlpRequest(nodes, chunk));
          const bridge = await startBridge({
            port: 0,
            endpoint: server.url,
            apiKey: TEST_KEY,
            projectName: 'bridge-tests',
            env: {},
            remoteParents: 'wait',
            deliveryThread,
            transport,
            spanFilter: spanFilterOf(forest.filter),
            retry: { initialBackoffMillis: 10, maxBackoffMillis: 50 },
          });
          const post = (body: unknown) => rawRequest(`${bridge.url}/v1/traces`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          try {
            // Requests at once reach the filter in no set order: only a filter without
            // keepAncestors decides the same whatever the order.
            const atOnce = concurrent && !keepsAncestors(forest);
            const responses = atOnce
              ? await Promise.all(requests.map((request) => post(request.body)))
              : await requests.reduce(async (done, request) => [...(await done), await post(request.body)], Promise.resolve([] as Awaited<ReturnType<typeof post>>[]));
            expect(responses.map((response) => [response.status, response.json()])).toEqual(responses.map(() => [200, {}]));
            const read = { ...forest, endOrder: requests.flatMap((request) => request.readOrder) };
            const keptCount = keptNodes(read).filter(Boolean).length;
            // The bridge answers a request once what its spans let go is delivered.
            expect(bridge.exporter.stats()).toMatchObject({ heldRuns: 0, queuedRuns: 0, runsOrphaned: 0, runsDelivered: keptCount });
            await bridge.close();
            expectFilteredTrees(server, read, (i) => runIdOf(nodes[i]!.spanId));
          } finally {
            await bridge.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
