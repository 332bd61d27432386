import { SpanKind, type Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_NAME,
  EVENT_GEN_AI_ASSISTANT_MESSAGE,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  EVENT_GEN_AI_SYSTEM_MESSAGE,
  EVENT_GEN_AI_TOOL_MESSAGE,
  EVENT_GEN_AI_USER_MESSAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { mapSpan } from 'otel-langsmith';
import { logRecordToSpanEvent } from '../../src/mapping/log-record-event.js';
import { endedSpan, type FixtureEvent } from '../helpers/tracing.js';

// Content in GenAI span events (and log records joined to their span as events) in every
// provider's shape: the one decoder (src/mapping/llm/content-blocks.ts, message-decoder.ts).

const json = (value: unknown) => JSON.stringify(value);
const chat: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_REQUEST_MODEL]: 'm' };

function runOf(attributes: Attributes, events: FixtureEvent[]) {
  return mapSpan(endedSpan('chat m', attributes, { kind: SpanKind.CLIENT, events }), { projectName: 'p' }).run;
}

const weatherCall = (id: string) => ({ id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });

describe('GenAI message events with provider-native content', () => {
  it('decodes OpenAI chat messages: tool calls with ids, tool results with tool_call_id, image parts', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_SYSTEM_MESSAGE, attributes: { content: 'Be brief.' } },
      {
        name: EVENT_GEN_AI_USER_MESSAGE,
        attributes: { content: json([{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'https://x/p.png' } }]) },
      },
      { name: EVENT_GEN_AI_ASSISTANT_MESSAGE, attributes: { tool_calls: json([weatherCall('call_1')]) } },
      { name: EVENT_GEN_AI_TOOL_MESSAGE, attributes: { content: '22C', id: 'call_1' } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { index: 0, finish_reason: 'stop', message: json({ role: 'assistant', content: 'Sunny, 22C.' }) } },
    ]);
    expect(run.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'https://x/p.png' } }] },
        { role: 'assistant', content: null, tool_calls: [weatherCall('call_1')] },
        { role: 'tool', content: '22C', tool_call_id: 'call_1' },
      ],
    });
    expect(run.outputs).toEqual({ choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Sunny, 22C.' } }] });
  });

  it('keeps a choice whose message holds only tool calls', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { content: 'Weather in Paris?' } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { index: 0, finish_reason: 'tool_calls', message: json({ tool_calls: [weatherCall('call_9')] }) } },
    ]);
    expect(run.outputs?.choices).toEqual([{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [weatherCall('call_9')] } }]);
  });

  it('decodes Anthropic content blocks: text, image, tool_use, tool_result, thinking', () => {
    const run = runOf(chat, [
      {
        name: EVENT_GEN_AI_USER_MESSAGE,
        attributes: {
          content: json([
            { type: 'text', text: 'What is in this picture, and the weather?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
          ]),
        },
      },
      {
        name: EVENT_GEN_AI_ASSISTANT_MESSAGE,
        attributes: {
          content: json([
            { type: 'thinking', thinking: 'Need the weather tool.', signature: 's' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ]),
        },
      },
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { content: json([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '22C' }] }]) } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { index: 0, finish_reason: 'end_turn', message: json({ role: 'assistant', content: [{ type: 'text', text: 'A cat; 22C.' }] }) } },
    ]);
    expect(run.inputs?.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture, and the weather?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'reasoning', reasoning: 'Need the weather tool.' }],
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', content: '22C', tool_call_id: 'toolu_1' },
    ]);
    expect(run.outputs?.choices).toEqual([{ index: 0, finish_reason: 'end_turn', message: { role: 'assistant', content: 'A cat; 22C.' } }]);
  });

  it('decodes Bedrock Converse blocks: text, toolUse, toolResult with json, image bytes, reasoningContent, and a {message: {content}} choice', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { content: json([{ text: 'Weather?' }, { image: { format: 'png', source: { bytes: 'iVBO' } } }]) } },
      {
        name: EVENT_GEN_AI_ASSISTANT_MESSAGE,
        attributes: {
          content: json([
            { reasoningContent: { reasoningText: { text: 'Call the tool.', signature: 's' } } },
            { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
          ]),
        },
      },
      {
        name: EVENT_GEN_AI_TOOL_MESSAGE,
        attributes: { role: 'user', content: json([{ toolResult: { toolUseId: 'tooluse_1', content: [{ json: { temp: 22 } }], status: 'success' } }]) },
      },
      { name: EVENT_GEN_AI_CHOICE, attributes: { message: json({ content: [{ text: 'It is 22C.' }] }), finish_reason: 'end_turn' } },
    ]);
    expect(run.inputs?.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBO' } }] },
      {
        role: 'assistant',
        content: [{ type: 'reasoning', reasoning: 'Call the tool.' }],
        tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', content: '{"temp":22}', tool_call_id: 'tooluse_1' },
    ]);
    expect(run.outputs?.choices).toEqual([{ index: 0, finish_reason: 'end_turn', message: { role: 'assistant', content: 'It is 22C.' } }]);
  });

  it('reads a choice that is a Gemini candidate ({content: {role, parts}, finish_reason})', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_CHOICE, attributes: { index: 0, finish_reason: 'STOP', content: json({ role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] }) } },
    ]);
    expect(run.outputs?.choices).toEqual([
      { index: 0, finish_reason: 'STOP', message: { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } },
    ]);
  });

  it('reads a choice whose message is just a Bedrock block list', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_CHOICE, attributes: { finish_reason: 'tool_use', message: json([{ text: 'Checking.' }, { toolUse: { toolUseId: 't1', name: 'f', input: {} } }]) } },
    ]);
    expect(run.outputs?.choices).toEqual([
      { index: 0, finish_reason: 'tool_use', message: { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] } },
    ]);
  });

  it('decodes Gemini parts: text, thought, functionCall, functionResponse, inlineData, fileData, snake_case too', () => {
    const run = runOf(chat, [
      {
        name: EVENT_GEN_AI_USER_MESSAGE,
        attributes: {
          content: json([
            { text: 'Describe and check the weather.' },
            { inlineData: { mimeType: 'image/webp', data: 'UklG' } },
            { file_data: { mime_type: 'image/png', file_uri: 'gs://b/i.png' } },
            { fileData: { mimeType: 'application/pdf', fileUri: 'gs://b/d.pdf' } },
          ]),
        },
      },
      {
        name: EVENT_GEN_AI_ASSISTANT_MESSAGE,
        attributes: { content: json([{ text: 'Let me think.', thought: true }, { functionCall: { id: 'fc_1', name: 'get_weather', args: { city: 'Paris' } } }]) },
      },
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { content: json([{ function_response: { id: 'fc_1', name: 'get_weather', response: { temp: 22 } } }]) } },
      { name: EVENT_GEN_AI_USER_MESSAGE, attributes: { content: json({ role: 'user', parts: [{ text: 'Thanks.' }] }) } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { message: json({ role: 'model', parts: [{ text: '22C in Paris.' }] }), finish_reason: 'STOP' } },
    ]);
    expect(run.inputs?.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe and check the weather.' },
          { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklG' } },
          { type: 'image_url', image_url: { url: 'gs://b/i.png' } },
          { fileData: { mimeType: 'application/pdf', fileUri: 'gs://b/d.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'reasoning', reasoning: 'Let me think.' }],
        tool_calls: [{ id: 'fc_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', name: 'get_weather', content: '{"temp":22}', tool_call_id: 'fc_1' },
      { role: 'user', content: 'Thanks.' },
    ]);
    expect(run.outputs?.choices).toEqual([{ index: 0, finish_reason: 'STOP', message: { role: 'assistant', content: '22C in Paris.' } }]);
  });

  it('reads the same content from log records joined to the span as events (structured bodies)', () => {
    const at = (name: string, body: Record<string, unknown>) => {
      const event = logRecordToSpanEvent({ traceId: 't', spanId: 's', eventName: name, time: [1, 0], attributes: {}, body });
      return { name: event.name, attributes: event.attributes };
    };
    const run = runOf(chat, [
      at(EVENT_GEN_AI_USER_MESSAGE, { content: [{ type: 'text', text: 'Hi' }] }),
      at(EVENT_GEN_AI_CHOICE, { index: 0, finish_reason: 'tool_calls', message: { tool_calls: [weatherCall('call_2')] } }),
    ]);
    expect(run.inputs?.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(run.outputs?.choices).toEqual([{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [weatherCall('call_2')] } }]);
  });
});

describe('gen_ai.client.inference.operation.details event', () => {
  const input = [{ role: 'user', parts: [{ type: 'text', content: 'Weather?' }] }];
  const output = [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' }];
  const tools = [{ type: 'function', name: 'get_weather' }];

  it('reads input, output, system instructions and tool definitions like the span attributes of the same names, over several events', () => {
    const run = runOf(chat, [
      { name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, attributes: { [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: json([{ type: 'text', content: 'Be brief.' }]) } },
      { name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, attributes: { [ATTR_GEN_AI_INPUT_MESSAGES]: json(input), [ATTR_GEN_AI_TOOL_DEFINITIONS]: json(tools) } },
      { name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, attributes: { [ATTR_GEN_AI_OUTPUT_MESSAGES]: json(output) } },
    ]);
    expect(run.inputs).toEqual({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather?' }], tools });
    expect(run.outputs?.choices).toEqual([
      { index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } },
    ]);
    expect((run.events ?? []).map((event) => event.name)).not.toContain(EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS);
  });

  it('reads system instructions given as a Gemini Content or as Bedrock blocks', () => {
    const gemini = runOf({ ...chat, [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: json({ parts: [{ text: 'Be brief.' }] }) }, []);
    expect(gemini.inputs?.messages).toEqual([{ role: 'system', content: 'Be brief.' }]);
    const bedrock = runOf({ ...chat, [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: json([{ text: 'Be kind.' }]) }, []);
    expect(bedrock.inputs?.messages).toEqual([{ role: 'system', content: 'Be kind.' }]);
  });

  it('reads the same event from a log record whose attributes are structured (AnyValue), joined to its span', () => {
    const record = logRecordToSpanEvent({
      traceId: 't',
      spanId: 's',
      eventName: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
      time: [1, 0],
      attributes: { [ATTR_GEN_AI_INPUT_MESSAGES]: input, [ATTR_GEN_AI_OUTPUT_MESSAGES]: output },
    });
    const run = runOf(chat, [{ name: record.name, attributes: record.attributes }]);
    expect(run.inputs?.messages).toEqual([{ role: 'user', content: 'Weather?' }]);
    expect((run.outputs?.choices as Array<{ message: { tool_calls: unknown[] } }>)[0]!.message.tool_calls).toHaveLength(1);
  });

  it('lets span attributes win over the event', () => {
    const spanInput = [{ role: 'user', parts: [{ type: 'text', content: 'From the span' }] }];
    const run = runOf({ ...chat, [ATTR_GEN_AI_INPUT_MESSAGES]: json(spanInput) }, [
      { name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, attributes: { [ATTR_GEN_AI_INPUT_MESSAGES]: json(input) } },
    ]);
    expect(run.inputs?.messages).toEqual([{ role: 'user', content: 'From the span' }]);
  });
});

describe('message-level tool_calls / tool_call_id beside parts', () => {
  it('keeps them', () => {
    const messages = [
      { role: 'assistant', parts: [{ type: 'text', content: 'Checking.' }], tool_calls: [weatherCall('call_5')] },
      { role: 'tool', tool_call_id: 'call_5', parts: [{ type: 'text', content: '22C' }] },
    ];
    const run = runOf({ ...chat, [ATTR_GEN_AI_INPUT_MESSAGES]: json(messages) }, []);
    expect(run.inputs?.messages).toEqual([
      { role: 'assistant', content: 'Checking.', tool_calls: [weatherCall('call_5')] },
      { role: 'tool', content: '22C', tool_call_id: 'call_5' },
    ]);
  });
});

describe('tool spans: arguments as inputs, result as outputs', () => {
  const tool: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool', [ATTR_GEN_AI_TOOL_NAME]: 'get_weather', [ATTR_GEN_AI_TOOL_CALL_ID]: 't1' };

  it('from a tool message event (the call) and a choice event (the result, Bedrock blocks)', () => {
    const run = runOf(tool, [
      { name: EVENT_GEN_AI_TOOL_MESSAGE, attributes: { role: 'tool', content: json({ city: 'Paris' }), id: 't1' } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { message: json([{ text: '22C' }]), id: 't1' } },
    ]);
    expect(run.run_type).toBe('tool');
    expect(run.inputs).toEqual({ city: 'Paris' });
    expect(run.outputs).toEqual({ output: '22C' });
  });

  it('from tool_call / tool_call_response parts on the operation.details event', () => {
    const run = runOf(tool, [
      {
        name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        attributes: { [ATTR_GEN_AI_INPUT_MESSAGES]: json([{ role: 'tool', parts: [{ type: 'tool_call', id: 't1', name: 'get_weather', arguments: { city: 'Paris' } }] }]) },
      },
      {
        name: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        attributes: { [ATTR_GEN_AI_OUTPUT_MESSAGES]: json([{ role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: [{ json: { temp: 22 } }] }] }]) },
      },
    ]);
    expect(run.inputs).toEqual({ city: 'Paris' });
    expect(run.outputs).toEqual({ temp: 22 });
  });

  it('a gen_ai.tool.call.result that is a content-block list becomes the text it holds', () => {
    const run = runOf({ ...tool, [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: json({ city: 'Rome' }), [ATTR_GEN_AI_TOOL_CALL_RESULT]: json([{ text: 'Sunny' }]) }, []);
    expect(run.outputs).toEqual({ output: 'Sunny' });
  });

  it('gen_ai.tool.call.arguments / result win over events', () => {
    const run = runOf({ ...tool, [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: json({ city: 'Rome' }), [ATTR_GEN_AI_TOOL_CALL_RESULT]: json({ temp: 30 }) }, [
      { name: EVENT_GEN_AI_TOOL_MESSAGE, attributes: { role: 'tool', content: json({ city: 'Paris' }), id: 't1' } },
      { name: EVENT_GEN_AI_CHOICE, attributes: { message: json([{ text: '22C' }]), id: 't1' } },
    ]);
    expect(run.inputs).toEqual({ city: 'Rome' });
    expect(run.outputs).toEqual({ temp: 30 });
  });
});

describe('OpenInference message content in a provider shape', () => {
  it('decodes a message.content that is a provider block list through the same decoder', () => {
    const run = mapSpan(
      endedSpan(
        'ChatAnthropic',
        {
          'openinference.span.kind': 'LLM',
          'llm.input_messages.0.message.role': 'assistant',
          'llm.input_messages.0.message.content': json([{ type: 'tool_use', id: 'toolu_7', name: 'get_weather', input: { city: 'Paris' } }]),
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.content': json([{ type: 'tool_result', tool_use_id: 'toolu_7', content: '22C' }]),
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': 'It is 22C.',
        },
        { kind: SpanKind.CLIENT },
      ),
      { projectName: 'p' },
    ).run;
    expect(run.inputs?.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_7', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: '22C', tool_call_id: 'toolu_7' },
    ]);
  });
});

describe('Traceloop indexed messages whose content is a provider block list', () => {
  it('decodes Anthropic tool_use / tool_result blocks into tool calls and tool messages with ids', () => {
    const run = runOf(
      {
        'gen_ai.system': 'Anthropic',
        'llm.request.type': 'chat',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'Weather in Paris?',
        'gen_ai.prompt.1.role': 'assistant',
        'gen_ai.prompt.1.content': json([{ type: 'tool_use', id: 'toolu_3', name: 'get_weather', input: { city: 'Paris' } }]),
        'gen_ai.prompt.2.role': 'user',
        'gen_ai.prompt.2.content': json([{ type: 'tool_result', tool_use_id: 'toolu_3', content: '22C' }]),
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'It is 22C.',
      },
      [],
    );
    expect(run.inputs?.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_3', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: '22C', tool_call_id: 'toolu_3' },
    ]);
  });
});
