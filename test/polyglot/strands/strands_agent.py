"""Strands Agents (strands-agents on PyPI) answering one question with one tool call, its model a
Bedrock Converse stub on 127.0.0.1 (BEDROCK_URL). Strands writes message content into GenAI span
events in Bedrock's own block shapes ([{"text"}], [{"toolUse"}], [{"toolResult"}]): the semconv
1.36 per-message events by default, the gen_ai.client.inference.operation.details event with
OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental (strands/telemetry/tracer.py). Spans go
OTLP/HTTP to the bridge at OTEL_EXPORTER_OTLP_ENDPOINT; prints `trace <id>` once flushed."""

import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def main() -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "strands-weather"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)

    # Imported after the provider is set: Strands' tracer takes the global provider.
    from strands import Agent, tool
    from strands.models.bedrock import BedrockModel

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny, 22C in {city}"

    model = BedrockModel(model_id="stub-model", region_name="us-east-1", endpoint_url=os.environ["BEDROCK_URL"], streaming=False)
    agent = Agent(model=model, tools=[get_weather], system_prompt="You are a weather assistant.", callback_handler=None)
    with trace.get_tracer("strands-producer-test").start_as_current_span("question") as root:
        agent("What is the weather in Paris?")
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.force_flush()
    provider.shutdown()
    print(f"trace {trace_id}", flush=True)


if __name__ == "__main__":
    main()
