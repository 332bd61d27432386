import { describe, expect, it } from 'vitest';
import { ConfigError, LangSmithSpanExporter } from 'otel-langsmith';
import { resolveConfig } from '../../src/config/resolve-config.js';

describe('resolveConfig', () => {
  it('uses options first, then LANGSMITH_*, then LANGCHAIN_*, then defaults', () => {
    const env = {
      LANGSMITH_API_KEY: 'ls-key',
      LANGCHAIN_API_KEY: 'lc-key',
      LANGCHAIN_ENDPOINT: 'http://127.0.0.1:9/api/v1/',
      LANGCHAIN_PROJECT: 'lc-project',
      LANGSMITH_WORKSPACE_ID: 'ws-1',
    };
    const fromEnv = resolveConfig({}, env);
    expect(fromEnv).toMatchObject({ apiKey: 'ls-key', endpoint: 'http://127.0.0.1:9/api/v1', projectName: 'lc-project', workspaceId: 'ws-1' });
    expect(fromEnv.sources).toEqual({ apiKey: 'env:LANGSMITH_API_KEY', endpoint: 'env:LANGCHAIN_ENDPOINT', projectName: 'env:LANGCHAIN_PROJECT', workspaceId: 'env:LANGSMITH_WORKSPACE_ID' });

    const fromOptions = resolveConfig({ apiKey: 'opt', endpoint: 'http://127.0.0.1:1', projectName: 'opt-p' }, { ...env, LANGSMITH_PROJECT: 'ls-p' });
    expect(fromOptions).toMatchObject({ apiKey: 'opt', endpoint: 'http://127.0.0.1:1', projectName: 'opt-p' });

    expect(resolveConfig({}, { LANGSMITH_PROJECT: 'ls-p', LANGCHAIN_PROJECT: 'lc-p' }).projectName).toBe('ls-p');
    const defaults = resolveConfig({}, {});
    expect(defaults).toMatchObject({ apiKey: undefined, endpoint: 'https://api.smith.langchain.com', projectName: 'default' });
    expect(defaults.sources.endpoint).toBe('default');
  });

  it('reads deliveryThread from the option, then OTEL_LANGSMITH_DELIVERY_THREAD, and refuses anything else', () => {
    expect(resolveConfig({}, {}).deliveryThread).toBe('auto');
    expect(resolveConfig({}, { OTEL_LANGSMITH_DELIVERY_THREAD: ' Worker ' }).deliveryThread).toBe('worker');
    expect(resolveConfig({}, { OTEL_LANGSMITH_DELIVERY_THREAD: 'main' }).deliveryThread).toBe('main');
    expect(resolveConfig({ deliveryThread: 'main' }, { OTEL_LANGSMITH_DELIVERY_THREAD: 'worker' }).deliveryThread).toBe('main');
    expect(() => resolveConfig({}, { OTEL_LANGSMITH_DELIVERY_THREAD: 'gpu' })).toThrow(/OTEL_LANGSMITH_DELIVERY_THREAD.*got gpu/);
  });

  it('tolerates trailing slashes and an accidental /runs', () => {
    for (const raw of ['http://127.0.0.1:8/', 'http://127.0.0.1:8/runs', 'http://127.0.0.1:8/runs/', 'http://127.0.0.1:8//']) {
      expect(resolveConfig({ endpoint: raw }, {}).endpoint).toBe('http://127.0.0.1:8');
    }
    expect(resolveConfig({ endpoint: 'http://127.0.0.1:8/api/v1/runs' }, {}).endpoint).toBe('http://127.0.0.1:8/api/v1');
  });

  it('fails clearly on bad options, without echoing credentials', () => {
    expect(() => resolveConfig({ endpoint: 'not a url' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ endpoint: 'ftp://127.0.0.1' }, {})).toThrow(/must be http\(s\)/);
    expect(() => resolveConfig({ maxConcurrentRequests: 0 }, {})).toThrow(/maxConcurrentRequests must be an integer >= 1, got 0/);
    expect(() => resolveConfig({ orphanTimeoutMillis: Number.NaN }, {})).toThrow(/orphanTimeoutMillis/);
    expect(() => resolveConfig({ remoteParents: 'sometimes' as 'root' }, {})).toThrow(/remoteParents/);
    expect(() => resolveConfig({ headers: { 'X-Api-Key': 'x' } }, {})).toThrow(/must not set x-api-key/);
    let message = '';
    try {
      resolveConfig({ endpoint: 'http://user:hunter2@127.0.0.1:8' }, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/must not carry credentials/);
    expect(message).not.toContain('hunter2');
  });

  it('the exporter constructor throws ConfigError on a bad option', () => {
    expect(() => new LangSmithSpanExporter({ endpoint: 'nope', env: {} })).toThrow(ConfigError);
  });
});
