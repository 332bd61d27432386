import { diag } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Env } from './settings.js';

/**
 * The NodeSDK's logs configuration for the zero-code start. The official GenAI instrumentations
 * put message content in log records (src/logs/genai-log-processor.ts): the exporter's log record
 * processor joins them to their spans' runs, so it is the logs pipeline here. The NodeSDK sets its
 * LoggerProvider as the global one (sdk-node's sdk.ts, start()), which the instrumentations'
 * loggers reach through the Logs API's proxy provider, whenever they were made.
 *
 * OTEL_LOGS_EXPORTER=otlp/console asks the NodeSDK for its own logs pipeline, which it builds only
 * when given no processors: it is left as it is and the records are not joined (said once; setting
 * both up by hand is in docs/setup.md). `none` turns off exported logs, not the join.
 */
export function logsConfiguration(exporter: SpanExporter, env: Env): { logRecordProcessors?: unknown[] } {
  const asked = (env.OTEL_LOGS_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const processor = logRecordProcessorOf(exporter);
  if (asked.length > 0 && !asked.includes('none')) {
    if (processor) {
      diag.info(
        `otel-langsmith/register: OTEL_LOGS_EXPORTER=${env.OTEL_LOGS_EXPORTER!.trim()} keeps the NodeSDK's own logs pipeline; ` +
          'GenAI log records (message content) are not joined to LangSmith runs. See docs/setup.md to have both.',
      );
    }
    return {};
  }
  return { logRecordProcessors: processor ? [processor] : [] };
}

/** The exporter's log record processor (a LangSmithSpanExporter's); none for other exporters. */
function logRecordProcessorOf(exporter: SpanExporter): unknown {
  const offer = (exporter as { logRecordProcessor?: unknown }).logRecordProcessor;
  return typeof offer === 'function' ? (offer as () => unknown).call(exporter) : undefined;
}
