import { RUN_CREATE_FIELDS, RUN_TYPES, type RunCreate } from './run.js';

/** The outcome of validating a run-create body: the typed run, or every problem found. */
export type RunValidation = { ok: true; run: RunCreate } | { ok: false; errors: string[] };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the calendar fields name a real UTC date and time (no leap seconds). */
export function isValidDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= monthDays;
}

/**
 * Epoch microseconds of an ISO 8601 timestamp in the form the service accepts, or undefined.
 * Microseconds because that is the precision of `dotted_order`; extra digits are truncated.
 */
export function parseIsoTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_PATTERN.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!isValidDateTime(year, month, day, hour, minute, second)) return undefined;
  const offsetMinutes = parseOffsetMinutes(m[8]);
  if (offsetMinutes === undefined) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  return (date.getTime() - offsetMinutes * 60_000) * 1000 + micros;
}

function parseOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

type FieldCheck = (value: unknown) => string | undefined;

const mustBe = (test: (value: unknown) => boolean, expectation: string): FieldCheck => (value) =>
  test(value) ? undefined : `must be ${expectation}`;

const ISO_EXPECTATION = 'an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])';
const isString = (value: unknown): boolean => typeof value === 'string';
const isIsoTimestamp = (value: unknown): boolean => parseIsoTimestamp(value) !== undefined;

const OPTIONAL_FIELD_CHECKS: Record<string, FieldCheck> = {
  end_time: mustBe(isIsoTimestamp, ISO_EXPECTATION),
  outputs: mustBe(isPlainObject, 'an object'),
  serialized: mustBe(isPlainObject, 'an object'),
  attachments: mustBe(isPlainObject, 'an object'),
  extra: (value) => {
    if (!isPlainObject(value)) return 'must be an object';
    const metadata = value['metadata'];
    return metadata === undefined || metadata === null || isPlainObject(metadata)
      ? undefined
      : 'metadata must be an object';
  },
  error: mustBe(isString, 'a string'),
  session_name: mustBe(isString, 'a string'),
  status: mustBe(isString, 'a string'),
  revision_id: mustBe(isString, 'a string'),
  dotted_order: mustBe(isString, 'a string'),
  events: mustBe((v) => Array.isArray(v) && v.every(isPlainObject), 'an array of objects'),
  tags: mustBe((v) => Array.isArray(v) && v.every(isString), 'an array of strings'),
  parent_run_id: mustBe(isUuid, 'a UUID'),
  trace_id: mustBe(isUuid, 'a UUID'),
  session_id: mustBe(isUuid, 'a UUID'),
  reference_example_id: mustBe(isUuid, 'a UUID'),
};

/**
 * Checks a `POST /runs` body the way the service does. Optional fields set to null count as
 * absent (the service's schema declares them optional) and are dropped from the returned run.
 */
export function validateRunCreate(body: unknown): RunValidation {
  if (!isPlainObject(body)) return { ok: false, errors: ['body: must be a JSON object'] };
  const errors: string[] = [];
  const fail = (field: string, problem: string): void => {
    errors.push(`${field}: ${problem}`);
  };

  for (const key of Object.keys(body)) {
    if (!RUN_CREATE_FIELDS.has(key)) fail(key, 'unknown field');
  }

  if (!isUuid(body['id'])) fail('id', body['id'] === undefined ? 'required' : 'must be a UUID');
  if (typeof body['name'] !== 'string' || body['name'] === '') fail('name', 'must be a non-empty string');
  if (!(RUN_TYPES as readonly unknown[]).includes(body['run_type'])) {
    fail('run_type', `must be one of ${RUN_TYPES.join(', ')}`);
  }
  if (!isPlainObject(body['inputs'])) fail('inputs', body['inputs'] === undefined ? 'required' : 'must be an object');
  const start = parseIsoTimestamp(body['start_time']);
  if (start === undefined) {
    fail('start_time', body['start_time'] === undefined ? 'required' : `must be ${ISO_EXPECTATION}`);
  }

  const run: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const check = OPTIONAL_FIELD_CHECKS[key];
    if (check && value === null) continue;
    const problem = check?.(value);
    if (problem) fail(key, problem);
    run[key] = value;
  }

  const end = parseIsoTimestamp(run['end_time']);
  if (start !== undefined && end !== undefined && end < start) fail('end_time', 'must not be earlier than start_time');

  return errors.length > 0 ? { ok: false, errors } : { ok: true, run: run as unknown as RunCreate };
}
