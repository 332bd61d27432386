"""opentelemetry-instrumentation-openai-v2 in its log-record mode: message content goes to LOG
RECORDS emitted in the span's context, and the span carries none of it.

Which mode that is depends on the installed opentelemetry-util-genai: with the versions pinned in
test/parity/python/requirements.txt (openai-v2 2.4b0, util-genai 1.1b0) `is_experimental_mode()`
always returns True (util-genai's utils.py: "only support the experimental mode sem convs now"),
so the legacy path (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true: one record per
message, gen_ai.user.message … gen_ai.choice) never runs and "true" is refused ("Must be one of
NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT"). The log-record mode is then
OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental with
OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY: one
`gen_ai.client.inference.operation.details` record per call, whose attributes gen_ai.input.messages,
gen_ai.output.messages and gen_ai.system_instructions hold the messages as structured AnyValue
(util-genai _inference_invocation.py `_maybe_create_event`). A TracerProvider and a LoggerProvider export OTLP
to the bridge (or a Collector), over HTTP or gRPC; the real `openai` client talks to the local stub.

Environment, set by test/polyglot/polyglot-genai-logs.test.ts:
  PARITY_OPENAI_BASE_URL       the Node OpenAI stub, http://127.0.0.1:PORT/v1
  GENAI_LOGS_TRANSPORT         http (OTLP/HTTP protobuf) or grpc
  GENAI_LOGS_ENDPOINT          http://127.0.0.1:PORT (HTTP: /v1/traces and /v1/logs appended)
  GENAI_LOGS_EXTRA_SITE        optional: a site-packages holding the OTLP gRPC exporter (and grpcio)
                               when this venv has none; appended, so this venv's packages win
  GENAI_LOGS_DEBUG             optional: also print every log record to stderr (the test sets it
                               when run with DEBUG_GENAI=1)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "parity", "python"))
if os.environ.get("GENAI_LOGS_EXTRA_SITE"):
    sys.path.append(os.environ["GENAI_LOGS_EXTRA_SITE"])

from parity_common import guard_network, openai_client, print_result, tool_conversation  # noqa: E402


def providers(transport: str, endpoint: str):  # type: ignore[no-untyped-def]
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if transport == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        target = endpoint.replace("http://", "")
        spans, logs = OTLPSpanExporter(endpoint=target, insecure=True), OTLPLogExporter(endpoint=target, insecure=True)
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        spans, logs = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"), OTLPLogExporter(endpoint=f"{endpoint}/v1/logs")
    resource = Resource.create({"service.name": f"genai-logs-openai-v2-{transport}"})
    tracer_provider = TracerProvider(resource=resource)
    # The SDK defaults: spans every 5 s, log records every 1 s (OTEL_BSP/BLRP_SCHEDULE_DELAY).
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(logs))
    if os.environ.get("GENAI_LOGS_DEBUG"):
        from opentelemetry.sdk._logs.export import ConsoleLogExporter, SimpleLogRecordProcessor

        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(ConsoleLogExporter(out=sys.stderr)))
    return tracer_provider, logger_provider


def main() -> None:
    guard_network()
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "EVENT_ONLY"
    tracer_provider, logger_provider = providers(os.environ.get("GENAI_LOGS_TRANSPORT", "http"), os.environ["GENAI_LOGS_ENDPOINT"])
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider, logger_provider=logger_provider)
    with tracer_provider.get_tracer("genai-logs").start_as_current_span("weather conversation"):
        responses = tool_conversation(openai_client())
    # Records first: they were emitted before their spans ended, and a process that exits flushes
    # in this order too (a long-running one exports logs every 1 s, spans every 5 s).
    logger_provider.shutdown()
    tracer_provider.shutdown()
    print_result(responses)


if __name__ == "__main__":
    main()
