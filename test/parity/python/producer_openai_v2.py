"""The OpenTelemetry contrib OpenAI instrumentation (opentelemetry-instrumentation-openai-v2) around
the `openai` client: a chat call with the weather tool offered, then the tool result sent back.
Spans go OTLP/HTTP to the bridge (see parity_common.py).

Content: only with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental can the messages go on
the span (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only: gen_ai.input.messages /
gen_ai.output.messages); on the default (v1.30) path they go to log records, which a span exporter
never sees. PARITY_OPENAI_V2_MODE=legacy runs that default path instead."""

import os

from parity_common import run_instrumented_conversation


def main() -> None:
    if os.environ.get("PARITY_OPENAI_V2_MODE", "latest") == "latest":
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
        os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    else:
        os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    def instrumentor():
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        return OpenAIInstrumentor()

    run_instrumented_conversation("parity-openai-v2", instrumentor)


if __name__ == "__main__":
    main()
