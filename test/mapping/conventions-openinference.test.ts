import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { openInferenceConvention } from '../../src/mapping/conventions/openinference.js';
import { endedSpan } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

// Fixtures: real SDK spans carrying attributes as OpenInference instrumentations write them
// (@arizeai/openinference-instrumentation-openai 4.2, openinference-core context attributes,
// Python instrumentations' reprs), mapped through the full convention chain.

const spanWith = (attributes: Attributes, name = 'span') => endedSpan(name, attributes);

function runOf(attributes: Attributes, name?: string) {
  return mapSpan(spanWith(attributes, name), { projectName: 'p' }).run;
}

function viewOf(attributes: Attributes) {
  return { name: 's', kind: 0, attributes, resource: {}, events: [] };
}

describe('OpenInference LLM spans', () => {
  const chatSpan: Attributes = {
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.provider': 'azure',
    'llm.model_name': 'gpt-4o-2024-08-06',
    'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o', temperature: 0.3, max_completion_tokens: 200, stop: ['END'] }),
    'input.value': '{"model":"gpt-4o","messages":[]}',
    'input.mime_type': 'application/json',
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': 'You are terse.',
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.contents.0.message_content.type': 'text',
    'llm.input_messages.1.message.contents.0.message_content.text': 'What is in this picture?',
    'llm.input_messages.1.message.contents.1.message_content.type': 'image',
    'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://example.com/cat.png',
    'llm.input_messages.2.message.role': 'assistant',
    'llm.input_messages.2.message.tool_calls.0.tool_call.id': 'call_1',
    'llm.input_messages.2.message.tool_calls.0.tool_call.function.name': 'describe',
    'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments': '{"detail":"high"}',
    'llm.input_messages.3.message.role': 'tool',
    'llm.input_messages.3.message.tool_call_id': 'call_1',
    'llm.input_messages.3.message.content': 'a cat',
    'llm.tools.0.tool.json_schema': JSON.stringify({ type: 'function', function: { name: 'describe' } }),
    'output.value': '{"id":"chatcmpl-1"}',
    'output.mime_type': 'application/json',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': 'A cat.',
    'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_2',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'save',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"label":"cat"}',
    'llm.finish_reason': 'tool_calls',
    'llm.token_count.prompt': 120,
    'llm.token_count.completion': 30,
    'llm.token_count.total': 150,
    'llm.token_count.prompt_details.cache_read': 100,
    'llm.token_count.prompt_details.cache_write': 5,
    'llm.token_count.prompt_details.audio': 2,
    'llm.token_count.completion_details.reasoning': 12,
    'llm.token_count.completion_details.audio': 3,
    'app.custom': 'kept',
  };

  it('turns indexed messages, parts, tool calls, choices and usage into an OpenAI-form llm run', () => {
    const run = runOf(chatSpan, 'ChatCompletion');
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'describe', arguments: '{"detail":"high"}' } }] },
        { role: 'tool', content: 'a cat', tool_call_id: 'call_1' },
      ],
    });
    expect(run.outputs).toEqual({
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'A cat.', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'save', arguments: '{"label":"cat"}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
      usage_metadata: {
        input_tokens: 120,
        output_tokens: 30,
        total_tokens: 150,
        input_token_details: { cache_read: 100, cache_creation: 5, audio: 2 },
        output_token_details: { reasoning: 12, audio: 3 },
      },
    });
  });

  it('derives ls_* metadata and invocation params, prefers llm.provider, and adds tool schemas', () => {
    const run = runOf(chatSpan);
    const params = { model: 'gpt-4o', temperature: 0.3, max_completion_tokens: 200, stop: ['END'], tools: [{ type: 'function', function: { name: 'describe' } }] };
    expect(run.extra?.invocation_params).toEqual(params);
    expect(metadataOf(run)).toMatchObject({
      ls_provider: 'azure',
      ls_model_name: 'gpt-4o-2024-08-06',
      ls_model_type: 'chat',
      ls_temperature: 0.3,
      ls_max_tokens: 200,
      ls_stop: ['END'],
      ls_invocation_params: params,
      'app.custom': 'kept',
      // Not turned into a run field (llm.provider won), so it stays.
      'llm.system': 'openai',
    });
  });

  it('consumes every attribute it turned into run fields, and only those', () => {
    const leftovers = Object.keys(metadataOf(runOf(chatSpan))).filter((k) => !k.startsWith('ls_') && !k.startsWith('otel.'));
    expect(leftovers.sort()).toEqual(['app.custom', 'llm.system']);
  });

  it('keeps input.value in metadata when it holds more messages than survived as indexed attributes', () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] });
    const run = runOf({ 'openinference.span.kind': 'LLM', 'input.value': body, 'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'a' });
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'a' }] });
    expect(metadataOf(run)['input.value']).toBe(body);
  });

  it('prefers llm.response.model_name, then llm.model_name, then the request model', () => {
    const base = { 'openinference.span.kind': 'LLM', 'llm.request.model_name': 'gpt-4o' };
    expect(metadataOf(runOf(base)).ls_model_name).toBe('gpt-4o');
    expect(metadataOf(runOf({ ...base, 'llm.model_name': 'gpt-4o-x' })).ls_model_name).toBe('gpt-4o-x');
    expect(metadataOf(runOf({ ...base, 'llm.model_name': 'gpt-4o-x', 'llm.response.model_name': 'gpt-4o-y' })).ls_model_name).toBe('gpt-4o-y');
  });

  it('completion calls: plain-text input.value as the prompt, output.value as a text choice', () => {
    const run = runOf({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-3.5-turbo-instruct',
      'input.value': 'Say',
      'input.mime_type': 'text/plain',
      'output.value': ' hello',
      'output.mime_type': 'text/plain',
      'llm.token_count.prompt': 1,
      'llm.token_count.completion': 2,
    });
    expect(run.inputs).toEqual({ prompt: 'Say' });
    expect(run.outputs).toEqual({ choices: [{ index: 0, text: ' hello' }], usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } });
    expect(metadataOf(run)).toMatchObject({ ls_model_type: 'llm' });
    expect(metadataOf(run)).not.toHaveProperty('input.mime_type');
  });

  it('completion calls: llm.prompts as a string array or as llm.prompts.N.prompt.text', () => {
    expect(runOf({ 'openinference.span.kind': 'LLM', 'llm.prompts': ['a', 'b'] }).inputs).toEqual({ prompt: ['a', 'b'] });
    expect(runOf({ 'openinference.span.kind': 'LLM', 'llm.prompts.0.prompt.text': 'only one' }).inputs).toEqual({ prompt: 'only one' });
  });

  it('an LLM span whose input.value is a JSON object and has no messages keeps the object as inputs', () => {
    const run = runOf({ 'openinference.span.kind': 'LLM', 'input.value': '{"question":"why?"}', 'input.mime_type': 'application/json' });
    expect(run.inputs).toEqual({ question: 'why?' });
    expect(metadataOf(run)).not.toHaveProperty('ls_model_type');
  });
});

describe('OpenInference span kinds and values', () => {
  it.each([
    ['LLM', 'llm'],
    ['EMBEDDING', 'embedding'],
    ['TOOL', 'tool'],
    ['RETRIEVER', 'retriever'],
    ['RERANKER', 'retriever'],
    ['PROMPT', 'prompt'],
    ['CHAIN', 'chain'],
    ['AGENT', 'chain'],
    ['GUARDRAIL', 'chain'],
    ['EVALUATOR', 'chain'],
    ['tool', 'tool'],
  ])('openinference.span.kind %s → run_type %s', (kind, runType) => {
    const run = runOf({ 'openinference.span.kind': kind });
    expect(run.run_type).toBe(runType);
    expect(metadataOf(run)).not.toHaveProperty('openinference.span.kind');
  });

  it('an unknown kind is left in metadata and decides nothing', () => {
    const run = runOf({ 'openinference.span.kind': 'UNKNOWN', 'input.value': 'x' });
    expect(run.run_type).toBe('chain');
    expect(run.inputs).toEqual({ input: 'x' });
    expect(metadataOf(run)['openinference.span.kind']).toBe('UNKNOWN');
  });

  it('input.value / output.value: JSON objects as they are, plain strings wrapped, JSON arrays under the key', () => {
    expect(runOf({ 'openinference.span.kind': 'CHAIN', 'input.value': '{"q":1}', 'input.mime_type': 'application/json', 'output.value': 'done' })).toMatchObject({
      inputs: { q: 1 },
      outputs: { output: 'done' },
    });
    expect(runOf({ 'openinference.span.kind': 'AGENT', 'input.value': 'hello', 'output.value': '[1,2]', 'output.mime_type': 'application/json' })).toMatchObject({
      inputs: { input: 'hello' },
      outputs: { output: [1, 2] },
    });
    // An object-looking value is parsed whatever the mime type says; Python reprs too.
    expect(runOf({ 'openinference.span.kind': 'CHAIN', 'input.value': "{'city': 'Paris', 'ok': True}", 'input.mime_type': 'text/plain' }).inputs).toEqual({ city: 'Paris', ok: true });
    // A text value that merely looks like an array stays text.
    expect(runOf({ 'openinference.span.kind': 'CHAIN', 'input.value': '[1,2]', 'input.mime_type': 'text/plain' }).inputs).toEqual({ input: '[1,2]' });
  });

  it('usage goes to llm runs only: a chain keeps its token counts in metadata', () => {
    const run = runOf({ 'openinference.span.kind': 'AGENT', 'output.value': 'ok', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 5 });
    expect(run.outputs).toEqual({ output: 'ok' });
    expect(metadataOf(run)).toMatchObject({ 'llm.token_count.prompt': 10, 'llm.token_count.completion': 5 });
  });
});

describe('OpenInference tool, retriever, reranker and embedding spans', () => {
  it('tool: parsed arguments from input.value, the result from output.value', () => {
    const run = runOf({ 'openinference.span.kind': 'TOOL', 'tool.name': 'get_weather', 'input.value': '{"city":"Paris"}', 'input.mime_type': 'application/json', 'output.value': 'rain' });
    expect(run).toMatchObject({ run_type: 'tool', inputs: { city: 'Paris' }, outputs: { output: 'rain' } });
    expect(metadataOf(run)['tool.name']).toBe('get_weather');
  });

  it('tool without input.value: tool_call.function.arguments, else tool.parameters', () => {
    expect(runOf({ 'openinference.span.kind': 'TOOL', 'tool_call.function.arguments': '{"city":"Oslo"}', 'tool.parameters': '{"ignored":true}' }).inputs).toEqual({ city: 'Oslo' });
    expect(runOf({ 'openinference.span.kind': 'TOOL', 'tool.parameters': '{"city":"Rome"}' }).inputs).toEqual({ city: 'Rome' });
  });

  it('retriever: documents with id and score in their metadata; sparse indices compacted', () => {
    const run = runOf({
      'openinference.span.kind': 'RETRIEVER',
      'input.value': 'where is the cat?',
      'retrieval.documents.0.document.id': 'doc-1',
      'retrieval.documents.0.document.content': 'The cat is on the mat.',
      'retrieval.documents.0.document.score': 0.9,
      'retrieval.documents.0.document.metadata': '{"source":"kb"}',
      'retrieval.documents.5.document.content': 'Second.',
      'retrieval.documents.5.document.metadata': 'not json',
    });
    expect(run.run_type).toBe('retriever');
    // LangSmith shows a retriever's input as its query.
    expect(run.inputs).toEqual({ query: 'where is the cat?' });
    expect(run.outputs).toEqual({
      documents: [
        { page_content: 'The cat is on the mat.', type: 'Document', metadata: { source: 'kb', id: 'doc-1', score: 0.9 } },
        { page_content: 'Second.', type: 'Document', metadata: { metadata: 'not json' } },
      ],
    });
    expect(Object.keys(metadataOf(run)).filter((k) => k.startsWith('retrieval.'))).toEqual([]);
  });

  it('reranker: query and input documents in, ranked documents out, model and top_k', () => {
    const run = runOf({
      'openinference.span.kind': 'RERANKER',
      'reranker.query': 'cats',
      'reranker.model_name': 'rerank-v3',
      'reranker.top_k': 1,
      'reranker.input_documents.0.document.content': 'dogs',
      'reranker.input_documents.1.document.content': 'cats',
      'reranker.output_documents.0.document.content': 'cats',
      'reranker.output_documents.0.document.score': 0.99,
    });
    expect(run).toMatchObject({
      run_type: 'retriever',
      inputs: { query: 'cats', documents: [{ page_content: 'dogs' }, { page_content: 'cats' }] },
      outputs: { documents: [{ page_content: 'cats', type: 'Document', metadata: { score: 0.99 } }] },
    });
    expect(run.extra?.invocation_params).toEqual({ top_k: 1 });
    expect(metadataOf(run).ls_model_name).toBe('rerank-v3');
  });

  it('embedding: the texts as inputs.input, the vectors dropped everywhere', () => {
    const run = runOf({
      'openinference.span.kind': 'EMBEDDING',
      'embedding.model_name': 'text-embedding-3-small',
      'embedding.embeddings.0.embedding.text': 'first',
      'embedding.embeddings.0.embedding.vector': [0.25, 0.5],
      'embedding.embeddings.1.embedding.text': 'second',
      'embedding.embeddings.1.embedding.vector': [0.75, 1],
      'output.value': '[[0.25,0.5],[0.75,1]]',
      'llm.token_count.prompt': 4,
    });
    expect(run).toMatchObject({ run_type: 'embedding', inputs: { input: ['first', 'second'] }, outputs: {} });
    expect(metadataOf(run).ls_model_name).toBe('text-embedding-3-small');
    expect(JSON.stringify(run)).not.toMatch(/0\.25|0\.75|embedding\.vector/);
    // Embedding runs carry no usage_metadata, so the count stays visible in metadata.
    expect(metadataOf(run)['llm.token_count.prompt']).toBe(4);
  });

  it('embedding: input.value (what was requested) wins over the indexed texts', () => {
    const run = runOf({ 'openinference.span.kind': 'EMBEDDING', 'input.value': 'one text', 'input.mime_type': 'text/plain', 'embedding.embeddings.0.embedding.text': 'one text' });
    expect(run.inputs).toEqual({ input: 'one text' });
    expect(metadataOf(run)).not.toHaveProperty('input.value');
  });
});

describe('OpenInference context attributes', () => {
  it('session.id and user.id become thread metadata; metadata JSON is spread; tag.tags (JSON) become tags', () => {
    const run = runOf({
      'openinference.span.kind': 'CHAIN',
      'session.id': 'sess-1',
      'user.id': 42,
      metadata: '{"tenant":"acme","ls_model_name":"user-said"}',
      'tag.tags': '["a","b"]',
    });
    expect(run.tags).toEqual(['a', 'b']);
    expect(metadataOf(run)).toMatchObject({ session_id: 'sess-1', user_id: '42', tenant: 'acme', ls_model_name: 'user-said' });
    for (const key of ['session.id', 'user.id', 'metadata', 'tag.tags']) expect(metadataOf(run)).not.toHaveProperty(key);
  });

  it('tag.tags as a string array attribute (Python instrumentations)', () => {
    expect(runOf({ 'tag.tags': ['x', 'y'] }).tags).toEqual(['x', 'y']);
  });

  it('derived thread keys win over user metadata of the same name; ls_* the user states wins over the derived', () => {
    const run = runOf({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'real-model', 'session.id': 's-real', metadata: '{"ls_model_name":"user-said","session_id":"s-user"}' });
    expect(metadataOf(run).session_id).toBe('s-real');
    // As with langsmith.metadata.ls_*: what the user writes into LangSmith's own keys is what they want shown.
    expect(metadataOf(run).ls_model_name).toBe('user-said');
  });
});

describe('OpenInference defensiveness', () => {
  it('survives garbage: wrong types, bad JSON, absurd and sparse indices, hostile keys', () => {
    const attributes: Attributes = {
      'openinference.span.kind': 'LLM',
      'llm.invocation_parameters': '{not json',
      metadata: '{"__proto__":{"polluted":true},"constructor":"c"}',
      'tag.tags': 17,
      'session.id': '',
      'llm.input_messages.__proto__.message.role': 'user',
      'llm.input_messages.constructor.message.role': 'user',
      'llm.input_messages.99999999.message.role': 'user',
      'llm.input_messages.x.message.role': 'user',
      'llm.input_messages.7.message.role': 'user',
      'llm.input_messages.7.message.content': 12345,
      'llm.input_messages.7.message.contents.0.message_content.__proto__': 'x',
      'llm.input_messages.9.message.tool_calls.0.tool_call.function.name': 99,
      'llm.input_messages.12.message.unknown_field': 'x',
      'llm.output_messages.0.message.content': ['a', 'b'],
      'llm.token_count.prompt': 'NaN',
      'llm.token_count.completion': -5,
      'llm.finish_reason': 3,
    };
    const run = runOf(attributes);
    expect(run.run_type).toBe('llm');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'user', content: '12345' },
        { role: 'user', content: null, tool_calls: [{ type: 'function', function: { name: '99', arguments: '{}' } }] },
      ],
    });
    expect(run.outputs).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: '["a","b"]' }, finish_reason: '3' }] });
    const metadata = metadataOf(run);
    // Unparseable values stay as they were, never a crash.
    expect(metadata['llm.invocation_parameters']).toBe('{not json');
    expect(metadata['tag.tags']).toBe(17);
    expect(Object.getOwnPropertyNames(metadata)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(run.tags).toEqual([]);
  });

  it('returns nothing for spans that carry no OpenInference attribute (HTTP, Traceloop legacy)', () => {
    expect(openInferenceConvention.read(viewOf({ 'http.request.method': 'GET' }))).toBeUndefined();
    expect(openInferenceConvention.read(viewOf({ 'llm.request.type': 'chat', 'gen_ai.prompt.0.content': 'hi', 'llm.usage.total_tokens': 3 }))).toBeUndefined();
    expect(openInferenceConvention.read(viewOf({}))).toBeUndefined();
  });
});
