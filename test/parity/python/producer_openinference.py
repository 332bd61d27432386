"""OpenInference's OpenAI instrumentation (openinference-instrumentation-openai) around the `openai`
client: a chat call with the weather tool offered, then the tool result sent back. Spans go
OTLP/HTTP to the bridge (see parity_common.py); content is captured by default."""

from parity_common import run_instrumented_conversation


def main() -> None:
    def instrumentor():
        from openinference.instrumentation.openai import OpenAIInstrumentor

        return OpenAIInstrumentor()

    run_instrumented_conversation("parity-openinference", instrumentor)


if __name__ == "__main__":
    main()
