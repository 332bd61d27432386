"""OpenInference's OpenAI instrumentation (openinference-instrumentation-openai) around the `openai`
client: a chat call with the weather tool offered, then the tool result sent back. Spans go
OTLP/HTTP to the bridge (see parity_common.py); content is captured by default."""

from parity_common import guard_network, openai_client, print_result, tool_conversation, tracer_provider


def main() -> None:
    guard_network()
    provider = tracer_provider("parity-openinference")
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)
    with provider.get_tracer("parity").start_as_current_span("weather conversation"):
        responses = tool_conversation(openai_client())
    provider.shutdown()
    print_result(responses)


if __name__ == "__main__":
    main()
