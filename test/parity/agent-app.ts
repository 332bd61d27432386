// The agent-like app the JS parity test runs twice, once with LangSmith's SDK tracing natively and
// once with it in OTel mode: `traceable` and `wrapOpenAI` from the real `langsmith` package, the real
// `openai` client against the local OpenAI stub (test/helpers/openai-stub.ts, which answers with a
// tool call when tools are offered and no tool result came back yet, with text otherwise).
//
// One trace:
//   weather_agent (chain; metadata of every JSON kind, tags)
//     retrieve_docs (retriever; returns LangSmith documents)
//     ChatOpenAI (llm, via wrapOpenAI; tools offered → the stub answers with a tool call)
//     get_weather (tool; the call's arguments)
//     ChatOpenAI (llm; the tool result sent back → the stub answers with text)
//     send_notification (tool; throws, and the root catches it and still returns)
import type { Client } from 'langsmith';
import { traceable } from 'langsmith/traceable';
import { wrapOpenAI } from 'langsmith/wrappers';
import type { OpenAI } from 'openai';

export const PROJECT = 'parity-js';
export const QUESTION = 'What should I wear in Paris today?';
export const NOTIFICATION_ERROR = 'notification service unavailable';

export const ROOT_METADATA = {
  user_id: 'user-42',
  conversation: 'conv-7',
  attempt: 2,
  beta: true,
  temperature_hint: 0.5,
  flags: { fast: true, region: 'eu' },
  channels: ['web', 'sms'],
};
export const ROOT_TAGS = ['parity', 'agent', 'weather'];

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city today.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

export interface AgentResult {
  answer: string;
  notified: boolean;
}

/** Builds the app's traced functions over one LangSmith client and one `openai` client, and runs it once. */
export async function runAgent(client: Client, openai: OpenAI): Promise<AgentResult> {
  const chat = wrapOpenAI(openai, { client });

  const retrieveDocs = traceable(
    async (query: string) => [
      { page_content: 'Paris in spring: light rain is common.', type: 'Document', metadata: { source: 'guide.md', score: 0.92 } },
      { page_content: 'Pack a light jacket and an umbrella.', type: 'Document', metadata: { source: 'packing.md', score: 0.81 } },
    ].filter(() => query.length > 0),
    { name: 'retrieve_docs', run_type: 'retriever', client, metadata: { index: 'travel-guides', k: 2 } },
  );

  const getWeather = traceable(
    async (args: { city: string }) => ({ city: args.city, forecast: 'rain', celsius: 14 }),
    { name: 'get_weather', run_type: 'tool', client, tags: ['tool'] },
  );

  const sendNotification = traceable(
    async (_message: { to: string; text: string }): Promise<never> => {
      throw new Error(NOTIFICATION_ERROR);
    },
    { name: 'send_notification', run_type: 'tool', client },
  );

  const agent = traceable(
    async (input: { question: string }): Promise<AgentResult> => {
      const docs = await retrieveDocs(input.question);
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: `You are a travel assistant. Context: ${docs.map((doc) => doc.page_content).join(' ')}` },
        { role: 'user', content: input.question },
      ];
      const first = await chat.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL], temperature: 0.2, max_tokens: 200 });
      const call = first.choices[0]!.message.tool_calls?.[0];
      if (!call || call.type !== 'function') throw new Error('the stub did not answer with a tool call');
      const weather = await getWeather(JSON.parse(call.function.arguments) as { city: string });
      // A new array: the SDK in OTel mode serializes a run's inputs when its batch is sent, after
      // the call returned, so mutating the first call's messages would change what it records.
      const followUp: OpenAI.ChatCompletionMessageParam[] = [
        ...messages,
        first.choices[0]!.message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify(weather) },
      ];
      const second = await chat.chat.completions.create({ model: 'gpt-4o-mini', messages: followUp, tools: [WEATHER_TOOL], temperature: 0.2, max_tokens: 200 });
      const answer = second.choices[0]!.message.content ?? '';
      let notified = true;
      try {
        await sendNotification({ to: 'user-42', text: answer });
      } catch {
        notified = false;
      }
      return { answer, notified };
    },
    { name: 'weather_agent', run_type: 'chain', client, project_name: PROJECT, metadata: ROOT_METADATA, tags: ROOT_TAGS },
  );

  return agent({ question: QUESTION });
}
