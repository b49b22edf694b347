import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { containerAgent } from "../handlers/core/agent/local.ts";
import { AgentError } from "../handlers/core/errors.ts";
import { sampleEnvelope } from "../test/fixtures.ts";
import { agentStreams, pythonJson, words } from "./agent-streams.ts";
import { startAgentCore } from "./agentcore.ts";

const fake = await startAgentCore();
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const ANSWER = "Here is **the plan** for *today*:\n\n- write `code`\n- l'été, 你好 👋\n\nDone.";

/** The pieces the relay's agent client reads from the next scripted reply, and when each came. */
async function read(signal?: AbortSignal) {
  const pieces: string[] = [];
  const at: number[] = [];
  const error = await (async () => {
    for await (const piece of containerAgent(fake.url).stream(sampleEnvelope, "s".repeat(40), signal)) {
      if (typeof piece !== "string") continue;
      pieces.push(piece);
      at.push(Date.now());
    }
  })().catch((e: unknown) => e);
  return { text: pieces.join(""), pieces, at, error };
}

describe("the bytes on the wire", () => {
  test("Python's json.dumps separators and non-ASCII kept", () => {
    expect(
      pythonJson({ event: { contentBlockDelta: { delta: { text: "é\n" }, contentBlockIndex: 0 } } }),
    ).toBe('{"event": {"contentBlockDelta": {"delta": {"text": "é\\n"}, "contentBlockIndex": 0}}}');
    expect(pythonJson(["a", 1, true, null])).toBe('["a", 1, true, null]');
  });

  test("Strands for Python: each delta twice (chunk, then a repr string), lifecycle and snapshots around", async () => {
    fake.script(agentStreams.strandsPython(["Hi", " there"]));
    const response = await fetch(`${fake.url}/invocations`, { method: "POST", body: "{}" });
    const body = await response.text();
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(body).toStartWith('data: {"init_event_loop": true}\n\ndata: {"start": true}\n\n');
    expect(body).toContain(
      'data: {"event": {"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}}\n\ndata: "{\'data\': \'Hi\', \'delta\': {\'text\': \'Hi\'}, \'agent\': <strands.agent.agent.Agent object at ',
    );
    expect(body).toContain('data: {"message": {"role": "assistant", "content": [{"text": "Hi there"}]}}\n\n');
  });
});

describe("the relay reads each framework's stream", () => {
  test("fast: the TypeScript SDK, the Python SDK, Strands for Python: the answer once, exactly", async () => {
    for (const reply of [
      agentStreams.typescript(words(ANSWER)),
      agentStreams.python(words(ANSWER)),
      agentStreams.strandsPython(words(ANSWER)),
      agentStreams.python(words(ANSWER), { chunkBytes: 1 }),
    ]) {
      fake.script(reply);
      const { text, error } = await read();
      expect(error).toBeUndefined();
      expect(text).toBe(ANSWER);
    }
  });

  test("Strands with a tool call: what the model said before it, a paragraph break, the answer; never the tool's output", async () => {
    fake.script(
      agentStreams.strandsPython(words("It is 42."), {
        tool: "calculator",
        toolIntro: words("Let me check."),
      }),
    );
    expect((await read()).text).toBe("Let me check.\n\nIt is 42.");
  });

  test("slow: the pieces come as the agent writes them", async () => {
    fake.script(agentStreams.python(["a", "b", "c", "d"], { chunkDelayMs: 60 }));
    const { text, at } = await read();
    expect(text).toBe("abcd");
    expect((at.at(-1) ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(150);
  });

  test("stalled mid-answer: the invocation's time runs out, a retryable Timeout", async () => {
    fake.script(agentStreams.python(["par", "tial", " never"], { stallAfterChunks: 2 }));
    const { text, error } = await read(AbortSignal.timeout(300));
    expect(text).toBe("partial");
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: "Timeout", retryable: true });
  });

  test("broken mid-answer: a retryable StreamBroken, after the pieces that came", async () => {
    fake.script(agentStreams.typescript(["par", "tial", " lost"], { breakAfterChunks: 2, chunkDelayMs: 5 }));
    const { text, error } = await read();
    expect(text).toBe("partial");
    expect(error).toMatchObject({ code: "StreamBroken", retryable: true });
  });

  test("an error the agent reports mid-answer (Python, TypeScript): a retryable AgentStreamError, not text", async () => {
    for (const reply of [
      agentStreams.pythonError(["par", "tial"], "ValueError: boom"),
      agentStreams.typescriptError(["par", "tial"], "boom"),
    ]) {
      fake.script(reply);
      const { text, error } = await read();
      expect(text).toBe("partial");
      expect(error).toMatchObject({ code: "AgentStreamError", retryable: true });
    }
  });

  test("huge: 200,000 characters in 40,000 pieces arrive whole", async () => {
    const huge = Array.from({ length: 8_000 }, (_, i) => `Line ${i} has **some** words.`).join("\n");
    fake.script(agentStreams.strandsPython(words(huge), { chunkBytes: 64 * 1024 }));
    const { text, pieces } = await read();
    expect(text).toBe(huge);
    expect(pieces.length).toBe(words(huge).length);
  }, 20_000);
});
