// An independent check of the logs schema (src/bridge/otlp-schema.ts) with protoc and the official
// opentelemetry-proto .proto files: a request protoc encodes from text with every LogRecord field
// (event_name, field 12, included) decodes to the same record in our decoder, and our
// ExportLogsServiceResponse reads back as the official message. The .proto files come from
// .ci/setup-polyglot.sh's cache; skips with the reason when protoc or they are absent.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeProtobufLogsRequest } from '../../src/bridge/decode-protobuf.js';
import { encodeExportResponse } from '../../src/bridge/encode-response.js';
import { toSpanLogRecords } from '../../src/bridge/to-span-log-records.js';
import { findOtlpProtoDir, findProtoc, requireTools } from '../helpers/polyglot-tools.js';

const tools = requireTools('bridge-logs-protoc.test.ts', { protoc: findProtoc(), protoDir: findOtlpProtoDir() });
const LOGS_SERVICE = 'opentelemetry/proto/collector/logs/v1/logs_service.proto';

const TEXT = `
resource_logs {
  resource { attributes { key: "service.name" value { string_value: "py" } } }
  scope_logs {
    scope { name: "opentelemetry.util.genai.handler" }
    log_records {
      time_unix_nano: 1700000000123456789
      observed_time_unix_nano: 1700000001000000000
      severity_number: SEVERITY_NUMBER_INFO
      severity_text: "INFO"
      body { kvlist_value { values { key: "content" value { string_value: "hello" } } } }
      attributes { key: "gen_ai.input.messages" value { array_value { values { kvlist_value { values { key: "role" value { string_value: "user" } } } } } } }
      attributes { key: "gen_ai.usage.input_tokens" value { int_value: 21 } }
      dropped_attributes_count: 1
      flags: 1
      trace_id: "\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b\\x0c\\x0d\\x0e\\x0f\\x10"
      span_id: "\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7\\xa8"
      event_name: "gen_ai.client.inference.operation.details"
    }
  }
}
`;

describe.runIf(tools)('the logs schema against the official .proto files', () => {
  it('decodes every LogRecord field of a request protoc encoded', () => {
    const bytes = execFileSync('protoc', ['--encode=opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', '-I', tools!.protoDir, LOGS_SERVICE], { input: TEXT });
    const request = decodeProtobufLogsRequest(bytes);
    const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record).toMatchObject({
      timeUnixNano: 1700000000123456789n,
      observedTimeUnixNano: 1700000001000000000n,
      traceId: '0102030405060708090a0b0c0d0e0f10',
      spanId: 'a1a2a3a4a5a6a7a8',
      eventName: 'gen_ai.client.inference.operation.details',
    });
    const [joined] = toSpanLogRecords(request).records;
    expect(joined).toMatchObject({
      eventName: 'gen_ai.client.inference.operation.details',
      time: [1700000000, 123456789],
      body: { content: 'hello' },
      attributes: { 'gen_ai.input.messages': [{ role: 'user' }], 'gen_ai.usage.input_tokens': 21 },
    });
  });

  it('writes an ExportLogsServiceResponse the official message reads', () => {
    const text = execFileSync('protoc', ['--decode=opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse', '-I', tools!.protoDir, LOGS_SERVICE], {
      input: encodeExportResponse('protobuf', { rejectedSpans: 3, errorMessage: 'three bad' }, 'logs').body,
      encoding: 'utf8',
    });
    expect(text).toBe('partial_success {\n  rejected_log_records: 3\n  error_message: "three bad"\n}\n');
  });
});
