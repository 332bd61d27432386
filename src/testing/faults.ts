import { validateHeaderValue } from 'node:http';
import { isPlainObject } from '../schema/validate-run.js';
import type { Fault, FaultRequest } from './types.js';

interface ArmedFault {
  fault: Fault;
  remaining: number;
}

/** Injected faults, consulted in injection order. */
export class FaultQueue {
  #armed: ArmedFault[] = [];

  inject(fault: Fault): void {
    checkFault(fault);
    this.#armed.push({ fault, remaining: fault.times ?? 1 });
  }

  /** The first armed fault that accepts `req`, spending one of its applications. */
  take(req: FaultRequest): Fault | undefined {
    const armed = this.#armed.find((a) => a.fault.match?.(req) ?? true);
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed = this.#armed.filter((a) => a !== armed);
    return armed.fault;
  }

  clear(): void {
    this.#armed = [];
  }

  pending(): number {
    return this.#armed.length;
  }
}

function checkFault(fault: Fault): void {
  const { times, delayMs, status, retryAfter, body, reset, hang, match } = fault;
  if (match !== undefined && typeof match !== 'function') throw new TypeError('fault.match must be a function');
  if (times !== undefined && !(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new TypeError('fault.times must be a positive integer or Infinity');
  }
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new TypeError('fault.delayMs must be a non-negative number');
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
    throw new TypeError('fault.status must be an HTTP status from 200 to 599');
  }
  if (reset !== undefined && reset !== 'before-headers' && reset !== 'after-headers') {
    throw new TypeError("fault.reset must be 'before-headers' or 'after-headers'");
  }
  if (hang !== undefined && typeof hang !== 'boolean') throw new TypeError('fault.hang must be a boolean');
  const actions = [status !== undefined, reset !== undefined, hang === true].filter(Boolean).length;
  if (actions > 1) throw new TypeError('a fault takes at most one of status, reset, hang');
  if (actions === 0 && delayMs === undefined) throw new TypeError('a fault needs delayMs, status, reset or hang');
  if ((retryAfter !== undefined || body !== undefined) && status === undefined) {
    throw new TypeError('fault.retryAfter and fault.body need fault.status');
  }
  if (retryAfter !== undefined) {
    if (typeof retryAfter !== 'string') throw new TypeError('fault.retryAfter must be a string');
    validateHeaderValue('retry-after', retryAfter);
  }
}

const JSON_FAULT_FIELDS = new Set(['times', 'delayMs', 'status', 'retryAfter', 'body', 'reset', 'hang', 'path', 'method', 'runName']);

/**
 * A fault posted to `/_local/faults`: the programmatic fields (`times` may be the string
 * "Infinity", which JSON cannot spell) plus `path`, `method`, `runName` to build its match.
 */
export function faultFromJson(value: unknown): { ok: true; fault: Fault } | { ok: false; error: string } {
  if (!isPlainObject(value)) return { ok: false, error: 'fault must be a JSON object' };
  const unknown = Object.keys(value).filter((key) => !JSON_FAULT_FIELDS.has(key));
  if (unknown.length > 0) return { ok: false, error: `unknown fault fields: ${unknown.join(', ')}` };
  const { path, method, runName, times, ...actions } = value;
  for (const [field, given] of Object.entries({ path, method, runName })) {
    if (given !== undefined && typeof given !== 'string') return { ok: false, error: `fault.${field} must be a string` };
  }
  // checkFault verifies every field's runtime type, so these casts only name the shape it enforces.
  const fault: Fault = { ...(actions as Fault), times: times === 'Infinity' ? Infinity : (times as number | undefined) };
  if (path !== undefined || method !== undefined || runName !== undefined) {
    fault.match = (req) =>
      (path === undefined || req.path === path) &&
      (method === undefined || req.method.toUpperCase() === (method as string).toUpperCase()) &&
      (runName === undefined || (isPlainObject(req.body) && req.body['name'] === runName));
  }
  try {
    checkFault(fault);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, fault };
}
