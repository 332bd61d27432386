// A plain grpc-js client for the bridge's OTLP/gRPC receiver: one unary TraceService/Export call
// with the bytes given, returning the status, the response bytes and the trailers as they came.
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ExportTraceServiceResponse, RetryInfo, RpcStatus } from '../../src/bridge/otlp-schema.js';

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface GrpcAnswer {
  code: GrpcStatus;
  details: string;
  /** The response message (OK only). */
  response?: Buffer;
  /** Trailers of an error status (grpc-status-details-bin and friends). */
  trailers?: Metadata;
}

export interface GrpcClient {
  export(body: Uint8Array, headers?: Record<string, string>): Promise<GrpcAnswer>;
  close(): void;
}

/** A client to `http://host:port` or `host:port`; `gzip` compresses every message (grpc-encoding: gzip). */
export function grpcClient(url: string, options: { gzip?: boolean } = {}): GrpcClient {
  const address = url.replace(/^https?:\/\//, '');
  const client = new Client(address, credentials.createInsecure(), options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  return {
    export(body, headers = {}) {
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new Promise((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(
          TRACE_EXPORT_PATH,
          (bytes) => bytes,
          (bytes) => bytes,
          Buffer.from(body),
          metadata,
          { deadline: Date.now() + 20_000 },
          (error: ServiceError | null, response?: Buffer) => {
            if (error) resolve({ code: error.code, details: error.details, trailers: error.metadata });
            else resolve({ code: GrpcStatus.OK, details: '', response: response ?? Buffer.alloc(0) });
          },
        );
      });
    },
    close: () => client.close(),
  };
}

/** The OTLP protobuf request the official OTel JS exporters would send for these spans. */
export function officialRequestBytes(spans: ReadableSpan[]): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(spans)!;
}

export function decodeExportResponse(bytes: Buffer): Record<string, unknown> {
  return ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(bytes), { longs: Number }) as Record<string, unknown>;
}

export interface RetryDelays {
  /** From `grpc-status-details-bin`: the google.rpc.Status code/message and the RetryInfo in its details. */
  statusDetails?: { code: number; message: string; typeUrl: string; seconds: number };
  /** From `google.rpc.retryinfo-bin`. */
  retryInfo?: number;
}

/** The retry delays the trailers carry (none when the status says "do not retry"). */
export function retryDelays(trailers: Metadata | undefined): RetryDelays {
  const out: RetryDelays = {};
  const details = trailers?.get('grpc-status-details-bin')[0];
  if (Buffer.isBuffer(details)) {
    const status = RpcStatus.toObject(RpcStatus.decode(details), { longs: Number, bytes: Buffer }) as {
      code: number;
      message: string;
      details: Array<{ typeUrl: string; value: Buffer }>;
    };
    const any = status.details[0]!;
    const info = RetryInfo.toObject(RetryInfo.decode(any.value), { longs: Number }) as { retryDelay: { seconds: number } };
    out.statusDetails = { code: status.code, message: status.message, typeUrl: any.typeUrl, seconds: info.retryDelay.seconds };
  }
  const bare = trailers?.get('google.rpc.retryinfo-bin')[0];
  if (Buffer.isBuffer(bare)) out.retryInfo = (RetryInfo.toObject(RetryInfo.decode(bare), { longs: Number }) as { retryDelay: { seconds: number } }).retryDelay.seconds;
  return out;
}
