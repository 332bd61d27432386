"""The agent-like app of the Python parity test, with LangSmith's Python SDK (`traceable`,
`wrap_openai`), the same shape as test/parity/agent-app.ts:

  weather_agent (chain; metadata of every JSON kind, tags)
    retrieve_docs (retriever)
    ChatOpenAI (llm; tools offered: the stub answers with a tool call)
    get_weather (tool)
    ChatOpenAI (llm; the tool result sent back: the stub answers with text)
    send_notification (tool; raises, the root catches it and still returns)

--mode native  the SDK sends runs itself: LANGSMITH_ENDPOINT is the capture server
               (LANGSMITH_DISABLE_RUN_COMPRESSION=true; the capture server does not offer zstd either)
--mode otel    LANGSMITH_TRACING_MODE=otel: the SDK writes each run onto an OTel span of the global
               tracer provider, which this script sets up to export OTLP/HTTP to the bridge
"""

from __future__ import annotations

import argparse
import json

from parity_common import QUESTION, WEATHER_TOOL, guard_network, openai_client, print_result, tracer_provider

NOTIFICATION_ERROR = "notification service unavailable"
ROOT_METADATA = {
    "user_id": "user-42",
    "conversation": "conv-7",
    "attempt": 2,
    "beta": True,
    "temperature_hint": 0.5,
    "flags": {"fast": True, "region": "eu"},
    "channels": ["web", "sms"],
}
ROOT_TAGS = ["parity", "agent", "weather"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["native", "otel"], required=True)
    mode = parser.parse_args().mode
    guard_network()
    provider = tracer_provider("parity-langsmith-python") if mode == "otel" else None

    import langsmith as ls
    from langsmith import traceable
    from langsmith.wrappers import wrap_openai

    client = ls.Client()
    chat = wrap_openai(openai_client())

    @traceable(name="retrieve_docs", run_type="retriever", metadata={"index": "travel-guides", "k": 2})
    def retrieve_docs(query: str) -> list[dict]:
        docs = [
            {"page_content": "Paris in spring: light rain is common.", "type": "Document", "metadata": {"source": "guide.md", "score": 0.92}},
            {"page_content": "Pack a light jacket and an umbrella.", "type": "Document", "metadata": {"source": "packing.md", "score": 0.81}},
        ]
        return [doc for doc in docs if query]

    @traceable(name="get_weather", run_type="tool", tags=["tool"])
    def get_weather(city: str) -> dict:
        return {"city": city, "forecast": "rain", "celsius": 14}

    @traceable(name="send_notification", run_type="tool")
    def send_notification(to: str, text: str) -> None:
        raise RuntimeError(NOTIFICATION_ERROR)

    @traceable(name="weather_agent", run_type="chain", metadata=ROOT_METADATA, tags=ROOT_TAGS)
    def weather_agent(question: str) -> dict:
        docs = retrieve_docs(question)
        context = " ".join(doc["page_content"] for doc in docs)
        messages = [
            {"role": "system", "content": f"You are a travel assistant. Context: {context}"},
            {"role": "user", "content": question},
        ]
        first = chat.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL], temperature=0.2, max_tokens=200
        )
        call = first.choices[0].message.tool_calls[0]
        weather = get_weather(**json.loads(call.function.arguments))
        follow_up = [
            *messages,
            first.choices[0].message.model_dump(mode="json", exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps(weather, separators=(",", ":"))},
        ]
        second = chat.chat.completions.create(
            model="gpt-4o-mini", messages=follow_up, tools=[WEATHER_TOOL], temperature=0.2, max_tokens=200
        )
        answer = second.choices[0].message.content or ""
        notified = True
        try:
            send_notification(to="user-42", text=answer)
        except RuntimeError:
            notified = False
        return {"answer": answer, "notified": notified}

    with ls.tracing_context(client=client, enabled=True):
        result = weather_agent(QUESTION)
    client.flush()
    if provider is not None:
        provider.shutdown()
    print_result(result)


if __name__ == "__main__":
    main()
