import {
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { diag } from '@opentelemetry/api';
import { encodeExportResponse, type OtlpSignal } from './encode-response.js';
import { RetryInfo, RpcStatus } from './otlp-schema.js';
import { receiveLogs } from './receive-logs.js';
import { receiveTraces, refuseWhenOverloaded, refuseWhileDraining, type ReceiveContext, type ReceiveOutcome } from './receive-traces.js';

/** The one method of OTLP/gRPC traces. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** The one method of OTLP/gRPC logs. */
export const LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

export interface GrpcReceiverContext extends ReceiveContext {
  authorized(authorization: string | undefined): boolean;
  /** Tracks a call until it is answered, for the graceful drain. */
  track(done: Promise<unknown>): void;
}

export interface GrpcReceiver {
  port: number;
  /**
   * Graceful stop: no new connections, GOAWAY to every client, the calls in progress finish; after
   * `graceMillis` whatever is still open is cut (forceShutdown).
   */
  shutdown(graceMillis: number): Promise<void>;
}

const raw = (bytes: Buffer): Buffer => bytes;

/**
 * TraceService with the messages left as bytes: grpc-js hands over the request as received (after
 * its own size limit and gunzip), so the span-count cap reads the raw bytes before anything is
 * decoded, and decoding is the same protobufjs schema as OTLP/HTTP's (receive-traces.ts).
 */
const serviceOf = (path: string): ServiceDefinition<{ Export: ReturnType<typeof exportHandler> }> => ({
  Export: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
});
const TRACE_SERVICE = serviceOf(TRACE_EXPORT_PATH);
/** LogsService the same way, its messages decoded by receive-logs.ts. */
const LOGS_SERVICE = serviceOf(LOGS_EXPORT_PATH);

/**
 * Starts the OTLP/gRPC receiver on host:port (0: a free port). Plaintext (h2c): the HTTP receiver
 * has no TLS either; terminate TLS in front of the bridge (a mesh, a proxy, or the Collector).
 *
 * @param maxMessageBytes grpc-js's `grpc.max_receive_message_length`: it refuses a larger message,
 *   as sent or after gunzip, with RESOURCE_EXHAUSTED before the handler runs.
 */
export async function startGrpcReceiver(ctx: GrpcReceiverContext, host: string, port: number, maxMessageBytes: number): Promise<GrpcReceiver> {
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    // As the HTTP receiver: a connection doing nothing is closed after a minute (GOAWAY; clients reconnect).
    'grpc.max_connection_idle_ms': 60_000,
  });
  server.addService(TRACE_SERVICE, { Export: exportHandler(ctx, 'traces') });
  server.addService(LOGS_SERVICE, { Export: exportHandler(ctx, 'logs') });
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, actual) => {
      if (!error) return resolve(actual);
      server.forceShutdown();
      // grpc-js says "No address added out of total 1 resolved errors: [listen EADDRINUSE: ...]".
      reject(new Error(`the OTLP/gRPC receiver cannot listen on ${address} (grpcPort; false turns it off): ${error.message}`));
    }),
  );
  return {
    port: bound,
    async shutdown(graceMillis) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true)));
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMillis);
      });
      const done = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      if (!done) server.forceShutdown();
    },
  };
}

/**
 * `TraceService/Export` and `LogsService/Export`: a thin adapter, as http-server.ts is for OTLP/HTTP. It checks the
 * shared secret (`authorization: Bearer <secret>` metadata) and answers the outcome of the shared
 * steps in gRPC terms, as the OTLP specification asks: RESOURCE_EXHAUSTED with RetryInfo when
 * the bridge is overloaded (it recovers), UNAVAILABLE with RetryInfo when it cannot take the
 * spans for now, RESOURCE_EXHAUSTED without RetryInfo (do not retry) for too many spans,
 * INVALID_ARGUMENT for an undecodable message, OK with `partial_success` for spans rejected.
 *
 * No loopback-Host rule as over HTTP: that one stops web pages posting through a DNS-rebound
 * name, and a browser cannot make a gRPC call (h2c, trailers) at all.
 */
function exportHandler(ctx: GrpcReceiverContext, signal: OtlpSignal) {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    ctx.track(done);
    call.once('cancelled', answered);
    const reply: sendUnaryData<Buffer> = (error, value) => {
      answered();
      callback(error, value);
    };
    receiveOverGrpc(ctx, call, reply, signal).catch((error: unknown) => {
      diag.error('otel-langsmith bridge: unexpected error handling a gRPC export', error);
      reply({ code: GrpcStatus.INTERNAL, details: 'internal error' });
    });
  };
}

async function receiveOverGrpc(
  ctx: GrpcReceiverContext,
  call: ServerUnaryCall<Buffer, Buffer>,
  reply: sendUnaryData<Buffer>,
  signal: OtlpSignal,
): Promise<void> {
  ctx.counters.requests++;
  ctx.counters.grpcRequests++;
  if (signal === 'logs') ctx.counters.logRequests++;
  const draining = refuseWhileDraining(ctx);
  if (draining) return answer(reply, draining, signal);
  const authorization = call.metadata.get('authorization');
  if (!ctx.authorized(authorization.length === 1 && typeof authorization[0] === 'string' ? authorization[0] : undefined)) {
    ctx.counters.refused++;
    return reply({ code: GrpcStatus.UNAUTHENTICATED, details: 'missing or wrong authorization: Bearer <shared secret> metadata' });
  }
  const busy = refuseWhenOverloaded(ctx);
  if (busy) return answer(reply, busy, signal);
  const receive = signal === 'logs' ? receiveLogs : receiveTraces;
  answer(reply, await receive(ctx, call.request ?? Buffer.alloc(0), 'protobuf'), signal);
}

function answer(reply: sendUnaryData<Buffer>, outcome: ReceiveOutcome, signal: OtlpSignal): void {
  if (outcome.kind === 'accepted') return reply(null, encodeExportResponse('protobuf', outcome.partial, signal).body);
  if (outcome.kind === 'refused') {
    const code = outcome.reason === 'invalid' ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.RESOURCE_EXHAUSTED;
    return reply({ code, details: outcome.message });
  }
  const code = outcome.reason === 'overloaded' ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.UNAVAILABLE;
  reply({ code, details: outcome.message, metadata: retryInfoTrailers(code, outcome.message, outcome.retryAfterSeconds) });
}

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The retry delay, in the two trailers clients read it from: `grpc-status-details-bin`, a
 * google.rpc.Status whose details hold a google.rpc.RetryInfo (gRPC's rich error model: Go's
 * status.Details(), so the Collector's exporters, and Java), and `google.rpc.retryinfo-bin`, the
 * RetryInfo alone (what OTel Python's gRPC exporter reads).
 */
export function retryInfoTrailers(code: GrpcStatus, message: string, retryAfterSeconds: number): Metadata {
  const retryInfo = Buffer.from(RetryInfo.encode(RetryInfo.create({ retryDelay: { seconds: retryAfterSeconds, nanos: 0 } })).finish());
  const status = RpcStatus.create({ code, message, details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: retryInfo }] });
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode(status).finish()));
  metadata.set('google.rpc.retryinfo-bin', retryInfo);
  return metadata;
}
