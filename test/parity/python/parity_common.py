"""Shared by the parity scripts: a network guard (127.0.0.1 only), the OTel tracer provider that
exports OTLP/HTTP to the bridge (and, when PARITY_SPANS_FILE is set, dumps every span as JSON), and
the tool conversation the instrumentation producers run against the local OpenAI stub.

Environment, set by test/parity/langsmith-python.test.ts:
  PARITY_OPENAI_BASE_URL       the Node OpenAI stub, http://127.0.0.1:PORT/v1
  OTEL_EXPORTER_OTLP_ENDPOINT  the bridge, http://127.0.0.1:PORT (the exporter appends /v1/traces)
  PARITY_SPANS_FILE            optional: where to write the raw spans (JSON array)
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any, Callable, Optional, Sequence

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def guard_network() -> None:
    """Refuses every connection and name lookup that is not for the loopback address.

    The SDKs under test must never reach a real LangSmith or OpenAI endpoint: endpoints are set
    explicitly, and this makes a missed one fail loudly instead of leaving the machine.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        if host not in LOOPBACK and host is not None:
            raise OSError(f"parity scripts reach 127.0.0.1 only, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise OSError(f"parity scripts reach 127.0.0.1 only, not {address[0]!r}")
        return real_connect(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]


def _span_json(span: Any) -> dict[str, Any]:
    ctx = span.get_span_context()
    parent = span.parent
    return {
        "name": span.name,
        "spanId": format(ctx.span_id, "016x"),
        "parentSpanId": format(parent.span_id, "016x") if parent is not None else None,
        "kind": span.kind.name,
        "status": {"code": span.status.status_code.name, "description": span.status.description},
        "scope": {"name": span.instrumentation_scope.name, "version": span.instrumentation_scope.version}
        if span.instrumentation_scope
        else None,
        "attributes": dict(span.attributes or {}),
        "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events],
        "resource": dict(span.resource.attributes),
    }


class _FileSpanExporter:
    """Collects every span it is given and writes them all, as one JSON array, at shutdown."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.spans: list[dict[str, Any]] = []

    def export(self, spans: Sequence[Any]) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        self.spans.extend(_span_json(span) for span in spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as out:
            json.dump(self.spans, out, indent=2, default=str)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def tracer_provider(service_name: str) -> Any:
    """An SDK TracerProvider exporting OTLP/HTTP (protobuf) to the bridge, set as the global one."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=100))
    dump = os.environ.get("PARITY_SPANS_FILE")
    if dump:
        provider.add_span_processor(SimpleSpanProcessor(_FileSpanExporter(dump)))  # type: ignore[arg-type]
    trace.set_tracer_provider(provider)
    return provider


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city today.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
SYSTEM_PROMPT = "You are a travel assistant."
QUESTION = "What should I wear in Paris today?"


def get_weather(city: str) -> dict[str, Any]:
    return {"city": city, "forecast": "rain", "celsius": 14}


def openai_client() -> Any:
    from openai import OpenAI

    return OpenAI(base_url=os.environ["PARITY_OPENAI_BASE_URL"], api_key="sk-test-not-a-secret", max_retries=0)


def tool_conversation(client: Any, on_tool: Optional[Callable[[dict[str, Any]], Any]] = None) -> list[dict[str, Any]]:
    """Chat with the weather tool offered (the stub answers with a tool call), run the tool, send
    its result back (the stub answers with text). Returns both responses as JSON, for the test."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": QUESTION},
    ]
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL], temperature=0.2, max_tokens=200
    )
    call = first.choices[0].message.tool_calls[0]
    arguments = json.loads(call.function.arguments)
    result = (on_tool or (lambda args: get_weather(**args)))(arguments)
    follow_up = [
        *messages,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": call.function.arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)},
    ]
    second = client.chat.completions.create(
        model="gpt-4o-mini", messages=follow_up, tools=[WEATHER_TOOL], temperature=0.2, max_tokens=200
    )
    return [first.model_dump(mode="json"), second.model_dump(mode="json")]


def print_result(value: Any) -> None:
    """The one line of stdout the test reads."""
    print("PARITY_RESULT " + json.dumps(value, sort_keys=True), flush=True)


def run_instrumented_conversation(service_name: str, instrumentor: Callable[[], Any]) -> None:
    """What every OpenAI instrumentation script does: refuse other hosts, export to the bridge,
    instrument the client with `instrumentor()` (imported only now, after the environment is set),
    hold the weather conversation under one parent span, flush, and print what the stub answered."""
    guard_network()
    provider = tracer_provider(service_name)
    instrumentor().instrument(tracer_provider=provider)
    with provider.get_tracer("parity").start_as_current_span("weather conversation"):
        responses = tool_conversation(openai_client())
    provider.shutdown()
    print_result(responses)
