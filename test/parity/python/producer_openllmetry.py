"""Traceloop OpenLLMetry's OpenAI instrumentation (opentelemetry-instrumentation-openai) around the
`openai` client: a chat call with the weather tool offered, then the tool result sent back. Spans go
OTLP/HTTP to the bridge (see parity_common.py). Content: TRACELOOP_TRACE_CONTENT defaults to true;
this version writes messages as span attributes by default (use_attributes=True). Its metrics are
turned off (no meter provider here anyway)."""

import os

from parity_common import run_instrumented_conversation


def main() -> None:
    os.environ.setdefault("TRACELOOP_TRACE_CONTENT", "true")
    os.environ.setdefault("TRACELOOP_METRICS_ENABLED", "false")
    def instrumentor():
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        return OpenAIInstrumentor()

    run_instrumented_conversation("parity-openllmetry", instrumentor)


if __name__ == "__main__":
    main()
