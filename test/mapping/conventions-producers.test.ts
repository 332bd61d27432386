// Producers whose names LangSmith's own OTel ingest reads (see shared reference, "LangSmith's own
// ingest rules"): Pydantic AI and Logfire, OpenLLMetry's own usage names, Semantic Kernel's message
// events, the whole-prompt events of older GenAI semconv, and the inputs/outputs carriers of
// OpenInference and OpenLLMetry on every run type. Real SDK spans with the attributes these
// producers write; test/parity/ runs the Python producers themselves through the bridge.
import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { endedSpan, type FixtureEvent } from '../helpers/tracing.js';
import { metadataOf } from '../helpers/runs.js';

const runOf = (attributes: Attributes, events: FixtureEvent[] = [], name = 'span') => mapSpan(endedSpan(name, attributes, { events }), { projectName: 'p' }).run;

describe('Pydantic AI', () => {
  const conversation = [
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Paris' } }] },
    { role: 'user', parts: [{ type: 'tool_call_response', id: 'call_1', name: 'weather', result: 'sunny' }] },
    { role: 'assistant', parts: [{ type: 'text', content: 'It is sunny.' }], finish_reason: 'stop' },
  ];

  it('an agent run: the conversation it was given in, its final result and the turns that led there out', () => {
    const run = runOf(
      {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'agent',
        'logfire.msg': 'agent run',
        'pydantic_ai.all_messages': JSON.stringify(conversation),
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
        final_result: 'It is sunny.',
      },
      [],
      'invoke_agent agent',
    );
    expect(run.run_type).toBe('chain');
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
    });
    expect(run.outputs).toEqual({
      output: 'It is sunny.',
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
        { role: 'assistant', content: 'It is sunny.' },
      ],
    });
    expect(metadataOf(run)).not.toHaveProperty('pydantic_ai.all_messages');
    expect(metadataOf(run)).not.toHaveProperty('final_result');
  });

  it('a structured final result comes back as an object', () => {
    const run = runOf({ 'logfire.msg': 'agent run', 'pydantic_ai.all_messages': JSON.stringify(conversation.slice(0, 1)), final_result: '{"city":"Paris","sunny":true}' });
    expect(run.outputs).toEqual({ output: { city: 'Paris', sunny: true } });
  });

  it('tool spans of instrumentation version 1: tool_arguments in, tool_response out', () => {
    const run = runOf({ 'gen_ai.tool.name': 'weather', 'logfire.msg': 'running tool: weather', tool_arguments: '{"city":"Paris"}', tool_response: 'sunny' }, [], 'running tool');
    expect(run.inputs).toEqual({ city: 'Paris' });
    expect(run.outputs).toEqual({ output: 'sunny' });
  });

  it('reads token details under Pydantic AI names (gen_ai.usage.details.*)', () => {
    const run = runOf({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.details.reasoning_tokens': 4,
      'gen_ai.usage.details.cache_read_tokens': 6,
      'gen_ai.usage.details.accepted_prediction_tokens': 1,
    });
    expect(run.outputs?.usage_metadata).toEqual({
      input_tokens: 20,
      output_tokens: 9,
      total_tokens: 29,
      input_token_details: { cache_read: 6 },
      output_token_details: { reasoning: 4 },
    });
    // A count LangSmith has no place for stays visible in metadata.
    expect(metadataOf(run)).toMatchObject({ 'gen_ai.usage.details.accepted_prediction_tokens': 1 });
  });

  it("generic names (prompt, events, tools) are Logfire's only on spans Logfire made", () => {
    const logfire = runOf({
      'logfire.msg': 'chat gpt-4o',
      events: JSON.stringify([
        { 'event.name': 'gen_ai.user.message', role: 'user', content: 'Hi' },
        { 'event.name': 'gen_ai.choice', index: 0, message: { role: 'assistant', content: 'Hello' } },
      ]),
      tools: JSON.stringify([{ name: 'weather' }]),
    });
    expect(logfire.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(logfire.outputs).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' } }] });
    expect(logfire.extra?.invocation_params).toEqual({ tools: [{ name: 'weather' }] });
    const plain = runOf({ prompt: 'not a convention', tools: '[1]' });
    expect(plain.inputs).toEqual({});
    expect(metadataOf(plain)).toMatchObject({ prompt: 'not a convention', tools: '[1]' });
  });
});

describe('OpenLLMetry', () => {
  it('reads its own reasoning and cache token names on current (gen_ai.input.messages) spans', () => {
    const run = runOf({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]),
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 8,
      'llm.usage.total_tokens': 20,
      'gen_ai.usage.reasoning_tokens': 5,
      'gen_ai.usage.cache_read_input_tokens': 2,
    });
    expect(run.outputs?.usage_metadata).toEqual({
      input_tokens: 12,
      output_tokens: 8,
      total_tokens: 20,
      input_token_details: { cache_read: 2 },
      output_token_details: { reasoning: 5 },
    });
    for (const key of ['gen_ai.usage.reasoning_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.usage.total_tokens']) expect(metadataOf(run)).not.toHaveProperty(key);
  });

  it('traceloop.entity.input / output as whole JSON objects on any run type', () => {
    for (const kind of ['workflow', 'task', 'tool', 'agent']) {
      const run = runOf({ 'traceloop.span.kind': kind, 'traceloop.entity.name': 'step', 'traceloop.entity.input': '{"query":"q","k":3}', 'traceloop.entity.output': '{"answer":"a"}' });
      expect(run.inputs).toEqual({ query: 'q', k: 3 });
      expect(run.outputs).toEqual({ answer: 'a' });
    }
  });
});

describe('GenAI message events', () => {
  it("Semantic Kernel's whole message in gen_ai.event.content, on message and choice events", () => {
    const run = runOf({ 'gen_ai.operation.name': 'chat' }, [
      { name: 'gen_ai.system.message', attributes: { 'gen_ai.event.content': '{"role":"system","content":"Be brief."}' } },
      { name: 'gen_ai.user.message', attributes: { 'gen_ai.event.content': '{"role":"user","content":"Hi"}' } },
      { name: 'gen_ai.choice', attributes: { 'gen_ai.event.content': '{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}' } },
    ]);
    expect(run.inputs).toEqual({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    expect(run.outputs).toMatchObject({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }] });
    expect(run.events).toEqual([]);
  });

  it('gen_ai.content.prompt / gen_ai.content.completion events holding JSON objects become inputs and outputs', () => {
    const run = runOf({ 'gen_ai.system': 'openai' }, [
      { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': '{"question":"why?"}' } },
      { name: 'gen_ai.content.completion', attributes: { 'gen_ai.completion': '{"answer":"because"}' } },
    ]);
    expect(run.inputs).toEqual({ question: 'why?' });
    expect(run.outputs).toEqual({ answer: 'because' });
  });

  it('the same events holding text become a message and a choice', () => {
    const run = runOf({ 'gen_ai.operation.name': 'chat' }, [
      { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'Hi' } },
      { name: 'gen_ai.content.completion', attributes: { 'gen_ai.completion': 'Hello' } },
    ]);
    expect(run.inputs).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(run.outputs).toEqual({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' } }] });
  });
});

describe('OpenInference carriers', () => {
  it('input.value / output.value JSON objects become inputs and outputs on any run type', () => {
    for (const kind of ['CHAIN', 'AGENT', 'TOOL', 'GUARDRAIL']) {
      const run = runOf({ 'openinference.span.kind': kind, 'input.value': '{"q":"x"}', 'input.mime_type': 'application/json', 'output.value': '{"a":1}' });
      expect(run.inputs).toEqual({ q: 'x' });
      expect(run.outputs).toEqual({ a: 1 });
    }
  });

  it('a prompt-template span is a prompt run whose inputs are the template variables', () => {
    const run = runOf({
      'openinference.span.kind': 'PROMPT',
      'llm.prompt_template.template': 'Tell me about {topic}',
      'llm.prompt_template.variables': '{"topic":"cats"}',
      'output.value': 'Tell me about cats',
    });
    expect(run.run_type).toBe('prompt');
    expect(run.inputs).toEqual({ topic: 'cats' });
    expect(run.outputs).toEqual({ output: 'Tell me about cats' });
    expect(metadataOf(run)).toMatchObject({ 'llm.prompt_template.template': 'Tell me about {topic}' });
  });

  it('llm.invocation_parameters land in extra.invocation_params', () => {
    const run = runOf({ 'openinference.span.kind': 'LLM', 'llm.invocation_parameters': '{"temperature":0.1,"tools":[{"type":"function"}]}' });
    expect(run.extra?.invocation_params).toEqual({ temperature: 0.1, tools: [{ type: 'function' }] });
    expect(metadataOf(run)).toMatchObject({ ls_temperature: 0.1 });
  });
});
