/**
 * The OTLP trace and logs messages the bridge reads and writes, as a protobufjs reflection definition.
 *
 * Licence note: this definition is our own code. It is not copied or generated from
 * open-telemetry/opentelemetry-proto's `.proto` files; only the message shapes and field numbers
 * come from the OTLP specification (v1, `opentelemetry.proto.collector.trace.v1`,
 * `opentelemetry.proto.collector.logs.v1` and the `trace`, `logs`, `common`, `resource` packages), which an implementation must follow to interoperate.
 * Field numbers were checked against what the official OTel JS protobuf exporter emits
 * (test/bridge/bridge-decode.test.ts decodes its output; test/bridge/bridge-protoc.test.ts cross-checks with
 * `protoc --decode_raw` where protoc is installed). Fields we do not declare (newer additions
 * such as entity references) are skipped by protobufjs when decoding.
 *
 * It is the one schema of both receivers, OTLP/HTTP (protobuf bodies) and OTLP/gRPC (the
 * TraceService/Export and LogsService/Export messages). No published npm package fits instead: OTel JS's
 * `@opentelemetry/otlp-transformer` only encodes (with its own serializers) and neither it nor
 * `@opentelemetry/otlp-grpc-exporter-base` ships the `.proto` files. The google.rpc and
 * google.protobuf messages at the end are the standard Status / RetryInfo / Any / Duration
 * shapes, checked against the OTel Python gRPC exporter, which parses them with the generated
 * classes of googleapis-common-protos (test/polyglot/polyglot-grpc.test.ts).
 */
import protobuf from 'protobufjs/light.js';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;

const field = (type: string, id: number): { type: string; id: number } => ({ type, id });
const repeated = (type: string, id: number): { type: string; id: number; rule: 'repeated' } => ({ type, id, rule: 'repeated' });

const common: Record<string, { fields: Fields; oneofs?: Record<string, { oneof: string[] }> }> = {
  AnyValue: {
    oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
    fields: {
      stringValue: field('string', 1),
      boolValue: field('bool', 2),
      intValue: field('int64', 3),
      doubleValue: field('double', 4),
      arrayValue: field('ArrayValue', 5),
      kvlistValue: field('KeyValueList', 6),
      bytesValue: field('bytes', 7),
    },
  },
  ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
  KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
  KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
  InstrumentationScope: {
    fields: {
      name: field('string', 1),
      version: field('string', 2),
      attributes: repeated('KeyValue', 3),
      droppedAttributesCount: field('uint32', 4),
    },
  },
};

const resource = {
  Resource: {
    fields: {
      attributes: repeated('opentelemetry.proto.common.v1.KeyValue', 1),
      droppedAttributesCount: field('uint32', 2),
    },
  },
};

const KV = 'opentelemetry.proto.common.v1.KeyValue';

const trace = {
  ResourceSpans: {
    fields: {
      resource: field('opentelemetry.proto.resource.v1.Resource', 1),
      scopeSpans: repeated('ScopeSpans', 2),
      schemaUrl: field('string', 3),
    },
  },
  ScopeSpans: {
    fields: {
      scope: field('opentelemetry.proto.common.v1.InstrumentationScope', 1),
      spans: repeated('Span', 2),
      schemaUrl: field('string', 3),
    },
  },
  Span: {
    fields: {
      traceId: field('bytes', 1),
      spanId: field('bytes', 2),
      traceState: field('string', 3),
      parentSpanId: field('bytes', 4),
      name: field('string', 5),
      kind: field('int32', 6), // enum SpanKind, read as its number
      startTimeUnixNano: field('fixed64', 7),
      endTimeUnixNano: field('fixed64', 8),
      attributes: repeated(KV, 9),
      droppedAttributesCount: field('uint32', 10),
      events: repeated('Event', 11),
      droppedEventsCount: field('uint32', 12),
      links: repeated('Link', 13),
      droppedLinksCount: field('uint32', 14),
      status: field('Status', 15),
      flags: field('fixed32', 16),
    },
    nested: {
      Event: {
        fields: {
          timeUnixNano: field('fixed64', 1),
          name: field('string', 2),
          attributes: repeated(KV, 3),
          droppedAttributesCount: field('uint32', 4),
        },
      },
      Link: {
        fields: {
          traceId: field('bytes', 1),
          spanId: field('bytes', 2),
          traceState: field('string', 3),
          attributes: repeated(KV, 4),
          droppedAttributesCount: field('uint32', 5),
          flags: field('fixed32', 6),
        },
      },
    },
  },
  Status: {
    // field 1 is reserved (the deprecated code)
    fields: { message: field('string', 2), code: field('int32', 3) }, // enum StatusCode, read as its number
  },
};

/**
 * opentelemetry/proto/logs/v1/logs.proto: LogRecord field 4 is reserved; `event_name` (12) came
 * with OTLP 1.5 (the log data model's EventName). test/bridge/bridge-logs.test.ts decodes the
 * official OTel JS log exporters' output with it.
 */
const logs = {
  ResourceLogs: {
    fields: {
      resource: field('opentelemetry.proto.resource.v1.Resource', 1),
      scopeLogs: repeated('ScopeLogs', 2),
      schemaUrl: field('string', 3),
    },
  },
  ScopeLogs: {
    fields: {
      scope: field('opentelemetry.proto.common.v1.InstrumentationScope', 1),
      logRecords: repeated('LogRecord', 2),
      schemaUrl: field('string', 3),
    },
  },
  LogRecord: {
    fields: {
      timeUnixNano: field('fixed64', 1),
      severityNumber: field('int32', 2), // enum SeverityNumber, read as its number
      severityText: field('string', 3),
      body: field('opentelemetry.proto.common.v1.AnyValue', 5),
      attributes: repeated(KV, 6),
      droppedAttributesCount: field('uint32', 7),
      flags: field('fixed32', 8),
      traceId: field('bytes', 9),
      spanId: field('bytes', 10),
      observedTimeUnixNano: field('fixed64', 11),
      eventName: field('string', 12),
    },
  },
};

const logsCollector = {
  ExportLogsServiceRequest: {
    fields: { resourceLogs: repeated('opentelemetry.proto.logs.v1.ResourceLogs', 1) },
  },
  ExportLogsServiceResponse: {
    fields: { partialSuccess: field('ExportLogsPartialSuccess', 1) },
  },
  ExportLogsPartialSuccess: {
    fields: { rejectedLogRecords: field('int64', 1), errorMessage: field('string', 2) },
  },
};

const collector = {
  ExportTraceServiceRequest: {
    fields: { resourceSpans: repeated('opentelemetry.proto.trace.v1.ResourceSpans', 1) },
  },
  ExportTraceServiceResponse: {
    fields: { partialSuccess: field('ExportTracePartialSuccess', 1) },
  },
  ExportTracePartialSuccess: {
    fields: { rejectedSpans: field('int64', 1), errorMessage: field('string', 2) },
  },
};

/**
 * google.rpc.Status: the body of OTLP/HTTP error responses (without details), and over OTLP/gRPC
 * the `grpc-status-details-bin` trailer, whose details carry a google.rpc.RetryInfo (the retry
 * delay OTLP asks for with RESOURCE_EXHAUSTED and UNAVAILABLE) packed in a google.protobuf.Any.
 */
const rpc = {
  Status: { fields: { code: field('int32', 1), message: field('string', 2), details: repeated('google.protobuf.Any', 3) } },
  RetryInfo: { fields: { retryDelay: field('google.protobuf.Duration', 1) } },
};

const wellKnown = {
  Any: { fields: { typeUrl: field('string', 1), value: field('bytes', 2) } },
  Duration: { fields: { seconds: field('int64', 1), nanos: field('int32', 2) } },
};

const root = protobuf.Root.fromJSON({
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: { nested: common } } },
            resource: { nested: { v1: { nested: resource } } },
            trace: { nested: { v1: { nested: trace } } },
            logs: { nested: { v1: { nested: logs } } },
            collector: {
              nested: {
                trace: { nested: { v1: { nested: collector } } },
                logs: { nested: { v1: { nested: logsCollector } } },
              },
            },
          },
        },
      },
    },
    google: { nested: { rpc: { nested: rpc }, protobuf: { nested: wellKnown } } },
  },
});

export const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
export const ExportLogsServiceRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
export const ExportLogsServiceResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
export const RpcStatus = root.lookupType('google.rpc.Status');
export const RetryInfo = root.lookupType('google.rpc.RetryInfo');
