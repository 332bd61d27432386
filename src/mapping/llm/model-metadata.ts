import type { RunType } from '../../schema/run.js';

/** What a convention says about the model behind a span; `ls_*` metadata is derived from it in one place. */
export interface ModelIdentity {
  /** `ls_provider` already in LangSmith's spelling (see `lsProvider`). */
  provider?: string | undefined;
  name?: string | undefined;
  /** `chat` for chat calls, `llm` for text completions. */
  type?: 'chat' | 'llm' | undefined;
}

/** Run types that are calls to a model, where provider and model type mean something to LangSmith. */
const MODEL_CALLS: ReadonlySet<RunType> = new Set<RunType>(['llm', 'embedding']);

function stopList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value ? [value] : undefined;
  if (Array.isArray(value)) {
    const stops = value.filter((s): s is string => typeof s === 'string');
    return stops.length ? stops : undefined;
  }
  return undefined;
}

/**
 * The `ls_*` metadata LangSmith reads for cost, filtering and its model column: provider and model
 * type only on model calls (a chain or tool span often carries a default `gen_ai.system`, which
 * names no provider), the model name and call settings wherever a span states them. Parameter names
 * differ by convention (OpenAI's `max_tokens`, the AI SDK's `maxOutputTokens`, ...).
 */
export function modelMetadata(runType: RunType, model: ModelIdentity | undefined, params: Record<string, unknown> | undefined): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const modelCall = MODEL_CALLS.has(runType);
  if (modelCall && model?.provider) metadata.ls_provider = model.provider;
  if (model?.name) metadata.ls_model_name = model.name;
  if (modelCall && model?.type && runType === 'llm') metadata.ls_model_type = model.type;
  if (!params) return metadata;
  if (typeof params.temperature === 'number') metadata.ls_temperature = params.temperature;
  const maxTokens = params.max_tokens ?? params.max_completion_tokens ?? params.maxOutputTokens ?? params.maxTokens;
  if (typeof maxTokens === 'number') metadata.ls_max_tokens = maxTokens;
  const stop = stopList(params.stop ?? params.stop_sequences ?? params.stopSequences);
  if (stop) metadata.ls_stop = stop;
  return metadata;
}
