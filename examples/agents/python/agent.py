"""A minimal agent for agentcore-relay, on the AgentCore Runtime contract (POST /invocations,
GET /ping, port 8080) with the AgentCore SDK for Python. It greets the user and repeats the
message; put your model call where the answer is made.

    pip install -r requirements.txt && python agent.py
    AGENT_URL=http://localhost:8080 npx bun run dev   # the relay's local stack talks to it
"""

from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


@app.entrypoint
async def invoke(payload: dict, context):
    """One message from the relay (AgentPayload in handlers/core/agent/payload.ts).

    The second parameter must be named `context`: the SDK passes the request context only then.
    context.session_id is one per conversation (and thread), a new one after the user's /new.
    A generator streams: the relay shows the answer growing where the platform can, and sends the
    final text once it is complete. With Strands, yield the text of its events, not the events:
    `async for event in agent.stream_async(prompt): if "data" in event: yield event["data"]`.
    """
    user = payload.get("user") or {}
    who = user.get("name") or user.get("id", "you")
    prompt = payload.get("prompt", "")
    files = [a.get("name") or a.get("kind") for a in payload.get("attachments", [])]
    # Your model goes here: yield its text as it comes. The relay renders the Markdown for the channel.
    parts = [
        f"Hello **{who}**, on {payload.get('channel')}.",
        f"You said: {prompt}" if prompt else "You sent no text.",
    ]
    if files:
        parts.append("Attached: " + ", ".join(files))
    for i, word in enumerate("\n\n".join(parts).split(" ")):
        yield word if i == 0 else " " + word


if __name__ == "__main__":
    # The SDK listens on 127.0.0.1 outside a container and on 0.0.0.0 inside one (AgentCore Runtime).
    app.run()
