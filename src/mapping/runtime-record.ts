import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_OTEL_SCOPE_NAME, ATTR_OTEL_SCOPE_VERSION } from '@opentelemetry/semantic-conventions';
import type { RunCreate } from '../schema/run.js';
import { attributesToRecord } from './attribute-values.js';

/*
 * `extra.runtime` (resource attributes plus the instrumentation scope) is the same for every span
 * of a tracer, yet was a third of the work of mapping and serializing a small span. It is built
 * once per (resource, scope) pair, frozen and shared by the runs, and its JSON is kept beside it
 * so serialization can splice it in (`runtimeJsonOf`). Whoever changes a run's runtime first
 * takes its own copy (`ownRuntime`).
 */

type Scope = { name: string; version?: string };
type ResourceLike = { attributes?: Attributes; asyncAttributesPending?: boolean };

const NO_SCOPE = {};
const byResource = new WeakMap<object, WeakMap<object, Readonly<Record<string, unknown>>>>();
const jsonOfShared = new WeakMap<object, string>();

function buildRuntime(resource: Attributes, scope: Scope | undefined): Record<string, unknown> {
  const runtime = attributesToRecord(resource);
  if (scope?.name) runtime[ATTR_OTEL_SCOPE_NAME] = scope.name;
  if (scope?.version) runtime[ATTR_OTEL_SCOPE_VERSION] = scope.version;
  return runtime;
}

function deepFreeze(record: Record<string, unknown>): Readonly<Record<string, unknown>> {
  for (const value of Object.values(record)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(record);
}

/** The `extra.runtime` record of a span: shared and frozen when its resource is settled. */
export function runtimeRecordOf(span: ReadableSpan): Readonly<Record<string, unknown>> {
  const resource = span.resource as ResourceLike | undefined;
  const scope = span.instrumentationScope ?? (span as { instrumentationLibrary?: Scope }).instrumentationLibrary;
  // A resource whose async attributes have not settled yet changes later: never cache it.
  if (!resource || typeof resource !== 'object' || resource.asyncAttributesPending) return buildRuntime(resource?.attributes ?? {}, scope);
  const scopeKey = scope && typeof scope === 'object' ? scope : NO_SCOPE;
  let byScope = byResource.get(resource);
  if (!byScope) byResource.set(resource, (byScope = new WeakMap()));
  let runtime = byScope.get(scopeKey);
  if (!runtime) {
    runtime = deepFreeze(buildRuntime(resource.attributes ?? {}, scope));
    byScope.set(scopeKey, runtime);
    jsonOfShared.set(runtime, JSON.stringify(runtime));
  }
  return runtime;
}

/** The JSON of a shared runtime record, or undefined for any other object. */
export function runtimeJsonOf(runtime: unknown): string | undefined {
  return runtime !== null && typeof runtime === 'object' ? jsonOfShared.get(runtime) : undefined;
}

/** Gives the run a runtime record of its own (a copy of a shared one) before anything changes it. */
export function ownRuntime(run: RunCreate): void {
  const runtime = run.extra?.runtime;
  if (run.extra && runtime && jsonOfShared.has(runtime)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(runtime)) {
      const value = runtime[key];
      Object.defineProperty(copy, key, { value: Array.isArray(value) ? [...value] : value, enumerable: true, writable: true, configurable: true });
    }
    run.extra.runtime = copy;
  }
}
