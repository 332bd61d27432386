// The OTLP logs decoders and the reduction to joinable records on hostile input: any bytes, any
// JSON in roughly the right shape. Each body either decodes or is refused with OtlpDecodeError
// (HTTP 400); a decoded one reduces to records, counts and reasons without throwing, and every
// record it keeps becomes a span event. FC_SEED=<n> replays a run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logRecordToSpanEvent } from '../../src/mapping/log-record-event.js';
import { decodeJsonLogsRequest } from '../../src/bridge/decode-json.js';
import { decodeProtobufLogsRequest } from '../../src/bridge/decode-protobuf.js';
import { OtlpDecodeError, type OtlpLogsRequest } from '../../src/bridge/otlp-model.js';
import { ExportLogsServiceRequest } from '../../src/bridge/otlp-schema.js';
import { toSpanLogRecords } from '../../src/bridge/to-span-log-records.js';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

function decodesOrRefuses(decode: () => OtlpLogsRequest): void {
  let request: OtlpLogsRequest;
  try {
    request = decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return;
  }
  const converted = toSpanLogRecords(request);
  const total = request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)).length;
  expect(converted.records.length + converted.ignored + converted.withoutSpan + converted.rejected).toBe(total);
  for (const record of converted.records) expect(logRecordToSpanEvent(record).name.startsWith('gen_ai.')).toBe(true);
}

const junk = fc.oneof(fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 64, '', 'x', [], {}, '__proto__', 'NaN'), fc.jsonValue({ maxDepth: 3 }));
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: fc.oneof(fc.string(), junk) }),
    fc.record({ intValue: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), junk) }),
    fc.record({ bytesValue: fc.oneof(fc.base64String(), junk) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string(), value: tie('value') }), { maxLength: 3 }) }) }),
  ),
})).value;
const logRecord = fc.record(
  {
    eventName: fc.oneof(fc.constantFrom('gen_ai.user.message', 'gen_ai.choice', 'app.event', ''), junk),
    traceId: fc.oneof(hex(32), fc.constant(''), junk),
    spanId: fc.oneof(hex(16), fc.constant('0000000000000000'), junk),
    timeUnixNano: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), junk),
    body: fc.oneof(anyValue, junk),
    attributes: fc.oneof(fc.array(fc.record({ key: fc.oneof(fc.constantFrom('event.name', '__proto__', 'content'), fc.string()), value: anyValue }), { maxLength: 4 }), junk),
  },
  { requiredKeys: [] },
);

describe('OTLP logs on hostile input', () => {
  it('JSON in the shape of a request: decodes (records with bad fields rejected alone) or is refused', () => {
    fc.assert(
      fc.property(fc.record({ resourceLogs: fc.array(fc.record({ scopeLogs: fc.array(fc.record({ logRecords: fc.array(logRecord, { maxLength: 4 }) }), { maxLength: 2 }) }), { maxLength: 2 }) }), (body) => {
        decodesOrRefuses(() => decodeJsonLogsRequest(Buffer.from(JSON.stringify(body))));
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes as protobuf, and valid requests with bytes flipped', () => {
    const valid = Buffer.from(
      ExportLogsServiceRequest.encode(
        ExportLogsServiceRequest.fromObject({
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'gen_ai.user.message', traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: 'hi' } }] } } }] }] }],
        }),
      ).finish(),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRefuses(() => decodeProtobufLogsRequest(bytes))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = Buffer.from(valid);
        for (const [at, value] of flips) bytes[at] = value;
        decodesOrRefuses(() => decodeProtobufLogsRequest(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
