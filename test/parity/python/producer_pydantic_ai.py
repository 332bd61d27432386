"""Pydantic AI with its own instrumentation (in 2.x an agent capability:
Agent(..., capabilities=[Instrumentation(settings=InstrumentationSettings(...))]), the successor of
`instrument=`; data format version 5 by default): an agent with the weather tool, run once, against the local
OpenAI stub through the `openai` client. The model asks for the tool, Pydantic AI runs it and sends
the result back, the model answers. Spans go OTLP/HTTP to the bridge (see parity_common.py)."""

import os

from parity_common import QUESTION, SYSTEM_PROMPT, get_weather, guard_network, print_result, tracer_provider


def main() -> None:
    guard_network()
    provider = tracer_provider("parity-pydantic-ai")
    from pydantic_ai import Agent, InstrumentationSettings
    from pydantic_ai.capabilities import Instrumentation
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = OpenAIChatModel(
        "gpt-4o-mini",
        provider=OpenAIProvider(base_url=os.environ["PARITY_OPENAI_BASE_URL"], api_key="sk-test-not-a-secret"),
    )
    agent = Agent(
        model,
        name="weather_agent",
        system_prompt=SYSTEM_PROMPT,
        model_settings={"temperature": 0.2, "max_tokens": 200},
        capabilities=[Instrumentation(settings=InstrumentationSettings(tracer_provider=provider, include_content=True))],
    )

    @agent.tool_plain(name="get_weather")
    def weather(city: str) -> dict:
        """The weather in a city today."""
        return get_weather(city)

    result = agent.run_sync(QUESTION)
    provider.shutdown()
    print_result({"output": result.output})


if __name__ == "__main__":
    main()
