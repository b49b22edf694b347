import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  type InvokeAgentRuntimeCommandOutput,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  AGENTCORE_ERRORS,
  type AgentCoreErrorName,
  agentReply,
  type FakeAgentCore,
  startAgentCore,
} from "./agentcore.ts";

const ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/relay_agent-AbCdEf1234";
const SESSION = "telegram-0123456789abcdef0123456789abcdef";

const agent: FakeAgentCore = await startAgentCore();
const client = new BedrockAgentCoreClient({
  region: "us-east-1",
  endpoint: agent.url,
  credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret" },
  maxAttempts: 1,
});
afterAll(async () => {
  client.destroy();
  await agent.close();
});
beforeEach(() => agent.reset());

function invoke(
  prompt: string,
  extra: Partial<ConstructorParameters<typeof InvokeAgentRuntimeCommand>[0]> = {},
) {
  return client.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: ARN,
      qualifier: "DEFAULT",
      runtimeSessionId: SESSION,
      contentType: "application/json",
      accept: "application/json, text/event-stream",
      payload: new TextEncoder().encode(JSON.stringify({ prompt, channel: "telegram" })),
      ...extra,
    }),
  );
}

/** Reads the response stream chunk by chunk, decoding UTF-8 across chunk boundaries. */
async function readChunks(out: InvokeAgentRuntimeCommandOutput): Promise<{ text: string; chunks: number }> {
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for await (const chunk of out.response as AsyncIterable<Uint8Array>) {
    chunks += 1;
    text += decoder.decode(chunk, { stream: true });
  }
  return { text: text + decoder.decode(), chunks };
}

describe("fake AgentCore with the real BedrockAgentCoreClient", () => {
  test("default echo agent answers JSON; the request is recorded with its parsed parts", async () => {
    const out = await invoke("hello", { runtimeUserId: "telegram:42" });
    expect(out.contentType).toBe("application/json");
    expect(out.statusCode).toBe(200);
    expect(out.runtimeSessionId).toBe(SESSION);
    expect(
      JSON.parse(await (out.response as { transformToString(): Promise<string> }).transformToString()),
    ).toEqual({
      response: "echo: hello",
    });
    expect(agent.invocations()).toHaveLength(1);
    expect(agent.calls[0]).toMatchObject({
      op: "invoke",
      arn: ARN,
      qualifier: "DEFAULT",
      sessionId: SESSION,
      userId: "telegram:42",
      contentType: "application/json",
      accept: "application/json, text/event-stream",
      payload: { prompt: "hello", channel: "telegram" },
    });
  });

  test("the SDK generates a session id when none is given (a new session per call)", async () => {
    await invoke("a", { runtimeSessionId: undefined });
    await invoke("b", { runtimeSessionId: undefined });
    const [first, second] = agent.invocations();
    expect(first?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.sessionId).not.toBe(second?.sessionId);
  });

  test("scripted SSE arrives as separate chunks; multi-byte characters split across chunks survive", async () => {
    agent.script(agentReply.sseJson(["Hé", "llo ", "wörld 👋"], { chunkDelayMs: 5, chunkBytes: 3 }));
    const out = await invoke("hi");
    expect(out.contentType).toBe("text/event-stream");
    const { text, chunks } = await readChunks(out);
    expect(text).toBe('data: "Hé"\n\ndata: "llo "\n\ndata: "wörld 👋"\n\n');
    expect(chunks).toBeGreaterThan(5);
    // When the last piece really went out: at least the pieces' delays after the request.
    const call = agent.invocations().at(-1);
    expect(call?.repliedAt).toBeGreaterThanOrEqual((call?.at ?? 0) + 5 * (chunks - 1));
  });

  test("raw SSE events, with event names and multi-line data, in @fastify/sse's field order", async () => {
    agent.script(agentReply.sse(["plain text", { event: "done", id: "7", data: "a\nb" }]));
    const { text } = await readChunks(await invoke("x"));
    expect(text).toBe("data: plain text\n\nid: 7\nevent: done\ndata: a\ndata: b\n\n");
  });

  test("text/plain answer and a slow agent", async () => {
    agent.script(agentReply.text("just text", { delayMs: 60 }));
    const started = Date.now();
    const out = await invoke("x");
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(out.contentType).toBe("text/plain; charset=utf-8");
    expect((await readChunks(out)).text).toBe("just text");
  });

  test("a stream that breaks midway makes the reader fail after the first events", async () => {
    agent.script(agentReply.sseJson(["one", "two", "three"], { chunkDelayMs: 10, breakAfterChunks: 2 }));
    const out = await invoke("x");
    const decoder = new TextDecoder();
    let text = "";
    const outcome = await (async () => {
      for await (const chunk of out.response as AsyncIterable<Uint8Array>) text += decoder.decode(chunk);
    })().then(
      () => "completed",
      (error: Error) => `failed: ${error.message}`,
    );
    expect(text).toBe('data: "one"\n\ndata: "two"\n\n');
    expect(outcome).toStartWith("failed");
    expect(agent.invocations().at(-1)?.repliedAt).toBeUndefined();
  });

  const errorCases = Object.entries(AGENTCORE_ERRORS) as [AgentCoreErrorName, number][];
  test.each(errorCases)("%s surfaces as error.name with HTTP %d", async (name, status) => {
    agent.script(agentReply.error(name, { message: `boom ${name}` }));
    const error = (await invoke("x").then(
      () => undefined,
      (e: unknown) => e,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number }; $fault: string };
    expect(error?.name).toBe(name);
    expect(error.message).toBe(`boom ${name}`);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(error.$fault).toBe(status >= 500 ? "server" : "client");
  });

  test("scripted errors are one-shot unless times is given; the SDK's own retries consume them", async () => {
    const retrying = new BedrockAgentCoreClient({
      region: "us-east-1",
      endpoint: agent.url,
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret" },
      maxAttempts: 2,
      retryStrategy: undefined,
    });
    agent.script(agentReply.error("InternalServerException"));
    const out = await retrying.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: ARN,
        runtimeSessionId: SESSION,
        payload: '{"prompt":"r"}',
      }),
    );
    expect(
      JSON.parse(await (out.response as { transformToString(): Promise<string> }).transformToString()),
    ).toEqual({
      response: "echo: r",
    });
    expect(agent.invocations()).toHaveLength(2);
    retrying.destroy();
  });

  test("ValidationException for a malformed ARN; StopRuntimeSession is recorded", async () => {
    const bad = await client
      .send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: "not-an-arn",
          runtimeSessionId: SESSION,
          payload: "{}",
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(bad?.name).toBe("ValidationException");

    const stop = await client.send(
      new StopRuntimeSessionCommand({
        agentRuntimeArn: ARN,
        runtimeSessionId: SESSION,
        qualifier: "DEFAULT",
      }),
    );
    expect(stop.runtimeSessionId).toBe(SESSION);
    expect(stop.statusCode).toBe(200);
    expect(agent.stoppedSessions).toEqual([SESSION]);
    expect(agent.calls.at(-1)).toMatchObject({
      op: "stop",
      arn: ARN,
      qualifier: "DEFAULT",
      sessionId: SESSION,
    });
  });

  test("setDefault replaces the echo; scripts can depend on the call", async () => {
    agent.setDefault(() => agentReply.json({ output: { message: { content: [{ text: "hi there" }] } } }));
    agent.script((call) => agentReply.text(`session ${call.sessionId}`), { when: (c) => c.userId === "u1" });
    expect((await readChunks(await invoke("a"))).text).toContain("hi there");
    expect((await readChunks(await invoke("b", { runtimeUserId: "u1" }))).text).toBe(`session ${SESSION}`);
  });

  test("the container contract: POST /invocations and GET /ping", async () => {
    const ping = await fetch(`${agent.url}/ping`);
    expect(await ping.json()).toMatchObject({ status: "Healthy" });
    const res = await fetch(`${agent.url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-amzn-bedrock-agentcore-runtime-session-id": SESSION },
      body: JSON.stringify({ prompt: "local" }),
    });
    expect(await res.json()).toEqual({ response: "echo: local" });
    expect(agent.calls.map((c) => c.op)).toEqual(["ping", "container-invoke"]);
  });

  test("waitFor sees invocations made later", async () => {
    const seen = agent.waitFor((calls) => calls.find((c) => c.op === "invoke"), 10_000);
    const done = Bun.sleep(10).then(() => invoke("later").then(readChunks));
    expect((await seen).payload).toMatchObject({ prompt: "later" });
    expect((await done).text).toBe('{"response":"echo: later"}');
  });
});
