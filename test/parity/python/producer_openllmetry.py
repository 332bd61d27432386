"""Traceloop OpenLLMetry's OpenAI instrumentation (opentelemetry-instrumentation-openai) around the
`openai` client: a chat call with the weather tool offered, then the tool result sent back. Spans go
OTLP/HTTP to the bridge (see parity_common.py). Content: TRACELOOP_TRACE_CONTENT defaults to true;
this version writes messages as span attributes by default (use_attributes=True). Its metrics are
turned off (no meter provider here anyway)."""

import os

from parity_common import guard_network, openai_client, print_result, tool_conversation, tracer_provider


def main() -> None:
    os.environ.setdefault("TRACELOOP_TRACE_CONTENT", "true")
    os.environ.setdefault("TRACELOOP_METRICS_ENABLED", "false")
    guard_network()
    provider = tracer_provider("parity-openllmetry")
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)
    with provider.get_tracer("parity").start_as_current_span("weather conversation"):
        responses = tool_conversation(openai_client())
    provider.shutdown()
    print_result(responses)


if __name__ == "__main__":
    main()
