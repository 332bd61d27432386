import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { redactUrl } from '../../src/mapping/redact-url.js';
import { recordingTracer } from '../helpers/tracing.js';

function mapped(name: string, kind: SpanKind, attributes: Record<string, string | number>) {
  const { tracer, spans } = recordingTracer();
  tracer.startSpan(name, { kind, attributes }).end();
  return mapSpan(spans()[0]!, { projectName: 'p' }).run;
}

describe('HTTP convention', () => {
  it('names a bare-method client span after its target, with method and redacted URL in, status out', () => {
    const run = mapped('POST', SpanKind.CLIENT, {
      'http.request.method': 'POST',
      'url.full': 'https://user:pw@api.example.test/v1/upload?X-Amz-Signature=abc123&part=2',
      'server.address': 'api.example.test',
      'http.response.status_code': 201,
    });
    expect(run.name).toBe('POST api.example.test/v1/upload');
    expect(run.inputs).toEqual({ method: 'POST', url: 'https://REDACTED:REDACTED@api.example.test/v1/upload?X-Amz-Signature=REDACTED&part=2' });
    expect(run.outputs).toEqual({ status_code: 201 });
    expect(JSON.stringify(run)).not.toContain('abc123');
    expect(JSON.stringify(run)).not.toContain(':pw@');
    expect(run.extra?.metadata).toMatchObject({ 'server.address': 'api.example.test' });
  });

  it('names a server span after its route and rebuilds the URL from its parts', () => {
    const run = mapped('GET', SpanKind.SERVER, {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/users/42',
      'url.query': 'token=secret-token&page=1',
      'server.address': '127.0.0.1',
      'server.port': 8080,
      'http.route': '/users/:id',
      'http.response.status_code': 200,
    });
    expect(run.name).toBe('GET /users/:id');
    expect(run.inputs).toEqual({ method: 'GET', url: 'http://127.0.0.1:8080/users/42?token=REDACTED&page=1', route: '/users/:id' });
    expect(JSON.stringify(run)).not.toContain('secret-token');
  });

  it('reads the legacy names too', () => {
    const run = mapped('HTTP GET', SpanKind.CLIENT, { 'http.method': 'GET', 'http.url': 'http://127.0.0.1:9/health?sig=zzz', 'net.peer.name': '127.0.0.1', 'http.status_code': 503 });
    expect(run.name).toBe('GET 127.0.0.1/health');
    expect(run.inputs).toEqual({ method: 'GET', url: 'http://127.0.0.1:9/health?sig=REDACTED' });
    expect(run.outputs).toEqual({ status_code: 503 });
    expect(run.extra?.metadata).not.toHaveProperty('http.url');
  });

  it('keeps a descriptive span name', () => {
    expect(mapped('fetch weather', SpanKind.CLIENT, { 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1/w' }).name).toBe('fetch weather');
  });

  it('redacts relative targets and leaves non-URLs alone', () => {
    expect(redactUrl('/cb?code=abc&state=1')).toBe('/cb?code=REDACTED&state=1');
    expect(redactUrl('not a url at all')).toBe('not a url at all');
    expect(redactUrl('http://127.0.0.1/plain?page=2')).toBe('http://127.0.0.1/plain?page=2');
  });
});
