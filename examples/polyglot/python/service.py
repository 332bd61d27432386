"""A small Python "assistant" traced with the OpenTelemetry Python SDK.

It exports OTLP/HTTP (protobuf, gzip) to OTEL_EXPORTER_OTLP_ENDPOINT (an otel-langsmith bridge,
or a Collector in front of one), or OTLP/gRPC (gzip) when OTEL_EXPORTER_OTLP_PROTOCOL=grpc (the
endpoint is then the bridge's gRPC address, e.g. http://127.0.0.1:4317), and creates, per question:

    answer question                 (SERVER)
    ├── retrieve context
    ├── chat gpt-4o-mini            (CLIENT, gen_ai.* attributes: an LLM run in LangSmith)
    └── call weather service        (CLIENT; POST $WEATHER_URL/weather with a W3C traceparent)
        └── ... the Go service's spans, in the same trace

The weather call is made only when WEATHER_URL is set (the Go example's `weather serve`); the
trace then spans both processes. A TRACEPARENT environment variable, when set, makes
"answer question" a child of that span. No model is called: answers are canned.

    python service.py [--questions N] [--city Paris]

Exits 1 when a span could not be exported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from typing import Sequence

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode

SCOPE = "otel-langsmith/examples/polyglot/python"


class CountingExporter(SpanExporter):
    """Delegates to the OTLP exporter and remembers failed exports, for the exit code."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.failed_spans = 0
        self.exported_spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.inner.export(spans)
        if result is SpanExportResult.SUCCESS:
            self.exported_spans += len(spans)
        else:
            self.failed_spans += len(spans)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def new_provider() -> tuple[TracerProvider, CountingExporter]:
    # Resource.create adds telemetry.sdk.language=python and reads OTEL_SERVICE_NAME and
    # OTEL_RESOURCE_ATTRIBUTES; service.name defaults to ours below.
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "assistant-python"})
    exporter = CountingExporter(otlp_exporter())
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))  # OTEL_BSP_* apply
    return provider, exporter


def otlp_exporter() -> SpanExporter:
    """OTLP with gzip, over the protocol OTEL_EXPORTER_OTLP_PROTOCOL names (the SDKs' own variable).

    The endpoint and headers come from OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_HEADERS:
    over HTTP the exporter appends /v1/traces; over gRPC the headers become call metadata
    (authorization: Bearer ...) and an http:// endpoint means plaintext.
    """
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    if protocol == "grpc":
        from grpc import Compression as GrpcCompression
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter

        return GrpcSpanExporter(compression=GrpcCompression.Gzip)
    if protocol != "http/protobuf":
        raise SystemExit(f"assistant: OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported here (grpc or http/protobuf)")
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(compression=Compression.Gzip)


def chat(tracer: trace.Tracer, question: str, answer: str) -> str:
    """An LLM-ish span as the OTel GenAI conventions describe a chat call."""
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": question}]},
    ]
    output = [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": answer},
                {"type": "tool_call", "id": "call_weather_1", "name": "get_weather", "arguments": {"city": "Paris"}},
            ],
            "finish_reason": "tool_call",
        }
    ]
    with tracer.start_as_current_span(
        "chat gpt-4o-mini",
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.request.temperature": 0.3,
            "gen_ai.request.max_tokens": 200,
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "You are a travel assistant."}]),
            "gen_ai.input.messages": json.dumps(messages),
            "gen_ai.output.messages": json.dumps(output),
            "gen_ai.response.finish_reasons": ["tool_call"],
            "gen_ai.usage.input_tokens": 42,
            "gen_ai.usage.output_tokens": 17,
        },
    ):
        time.sleep(0.002)
    return answer


def call_weather(tracer: trace.Tracer, base_url: str, city: str) -> dict:
    """POSTs to the Go service with the current span's context in a traceparent header."""
    url = base_url.rstrip("/") + "/weather"
    with tracer.start_as_current_span(
        "call weather service",
        kind=SpanKind.CLIENT,
        attributes={"http.request.method": "POST", "url.full": url, "server.address": "127.0.0.1"},
    ) as span:
        headers = {"content-type": "application/json"}
        propagate.inject(headers)  # traceparent (and tracestate) of "call weather service"
        request = urllib.request.Request(url, data=json.dumps({"city": city}).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                span.set_attribute("http.response.status_code", response.status)
                return json.load(response)
        except Exception as error:  # recorded on the span, then raised
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, str(error)))
            raise


def answer_question(tracer: trace.Tracer, number: int, city: str, weather_url: str | None) -> str:
    parent = propagate.extract({"traceparent": os.environ["TRACEPARENT"]}) if os.environ.get("TRACEPARENT") else None
    with tracer.start_as_current_span(
        "answer question",
        context=parent,
        kind=SpanKind.SERVER,
        attributes={"question.number": number, "langsmith.metadata.example": "polyglot-python"},
    ) as root:
        with tracer.start_as_current_span("retrieve context", attributes={"retrieval.top_k": 3}) as retrieve:
            retrieve.add_event("documents found", {"count": 3})
        chat(tracer, f"What should I wear in {city}? (question {number})", f"Let me check the weather in {city}.")
        if weather_url:
            forecast = call_weather(tracer, weather_url, city)
            root.set_attribute("weather.forecast", forecast.get("forecast", ""))
        return format(root.get_span_context().trace_id, "032x")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=1, help="how many traces to create")
    parser.add_argument("--city", default="Paris")
    args = parser.parse_args(argv)

    provider, exporter = new_provider()
    tracer = provider.get_tracer(SCOPE, "1.0.0")
    weather_url = os.environ.get("WEATHER_URL")
    for number in range(1, args.questions + 1):
        print(f"trace {answer_question(tracer, number, args.city, weather_url)}", flush=True)
    provider.shutdown()  # flushes the batch
    if exporter.failed_spans:
        print(f"assistant: {exporter.failed_spans} spans could not be exported", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
