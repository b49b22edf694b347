import { describe, expect, test } from "bun:test";
import { AgentError } from "../errors.ts";
import type { Piece } from "./files.ts";
import { readAgentAnswer, readAgentResponse, readAgentText } from "./response.ts";
import { extractText } from "./shapes.ts";

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? new TextEncoder().encode(part) : part;
}

const sse = (body: string) => readAgentResponse("text/event-stream", chunks(body));

/** The pieces the reader yields, in order. */
async function pieces(type: string, ...parts: string[]): Promise<Piece[]> {
  const out: Piece[] = [];
  for await (const piece of readAgentText(type, chunks(...parts))) out.push(piece);
  return out;
}

describe("extractText", () => {
  test("finds the answer in the usual shapes", () => {
    expect(extractText("plain")).toBe("plain");
    expect(extractText({ response: "r" })).toBe("r");
    expect(extractText({ result: { role: "assistant", content: [{ text: "a" }, { text: "b" }] } })).toBe(
      "ab",
    );
    expect(extractText({ output: { message: { content: [{ text: "deep" }] } } })).toBe("deep");
    expect(extractText({ status: "ok", answer: "42" })).toBe("42");
  });

  test("gives undefined when there is no text", () => {
    expect(extractText({ status: "ok" })).toBeUndefined();
    expect(extractText(42)).toBeUndefined();
    expect(extractText(null)).toBeUndefined();
  });
});

describe("the framings", () => {
  test("SSE: JSON strings decoded, other data as written, comments and [DONE] skipped", async () => {
    const body = chunks('data: "Hel', 'lo"\n\n', ": heartbeat\n\n", "data: world\n\n", "data: [DONE]\n\n");
    expect(await readAgentResponse("text/event-stream", body)).toBe("Hello");
    // The first delta's family is the one read: a raw line after JSON strings is not the same family.
    expect(await sse("data: Hello\n\ndata: , world\n\n")).toBe("Hello, world");
  });

  test("keeps multi-byte characters split across chunks and CRLF line ends (also split between chunks)", async () => {
    const bytes = new TextEncoder().encode('data: "héllo 👋"\r\n\r\ndata: "!"\r\n\r\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the emoji
    const cr = bytes.indexOf(0x0d) + 1; // between \r and \n
    const parts = [bytes.slice(0, 8), bytes.slice(8, cut), bytes.slice(cut, cr), bytes.slice(cr)];
    expect(await readAgentResponse("text/event-stream", chunks(...parts))).toBe("héllo 👋!");
  });

  test("joins multi-line data and takes a last event without a blank line", async () => {
    expect(await sse("data: line1\ndata: line2\n\ndata: tail")).toBe("line1\nline2tail");
  });

  test("JSON lines, a whole JSON body, plain text; a body of nothing is nothing", async () => {
    expect(await pieces("application/x-ndjson", '{"text":"a"}\n{"te', 'xt":"b"}\n\n')).toEqual(["a", "b"]);
    expect(await readAgentResponse("application/json", chunks('{"result":"j"}'))).toBe("j");
    expect(await readAgentResponse("application/json; charset=utf-8", chunks('{"other":1}'))).toBe(
      '{"other":1}',
    );
    expect(await readAgentResponse("application/json", chunks("not json"))).toBe("not json");
    expect(await pieces("text/plain", "t", "wo")).toEqual(["t", "wo"]);
    expect(await readAgentResponse(undefined, undefined)).toBe("");
  });
});

describe("the shapes agents stream", () => {
  test("bedrock-agentcore TypeScript: yield { event: 'message', data: { text } }, and raw yields", async () => {
    expect(
      await pieces(
        "text/event-stream",
        'event: message\ndata: {"text":"Hel"}\n\n',
        'data: {"text":"lo"}\n\n',
      ),
    ).toEqual(["Hel", "lo"]);
    // yield "42", yield "a\nb", yield '"q"': the data as written, never JSON-decoded away.
    expect(await sse('data: x\n\ndata: 42\n\ndata: a\ndata: b\n\ndata: "q"\n\n')).toBe('x42a\nb"q"');
  });

  test('Python `yield "text"`: JSON strings', async () => {
    expect(await sse('data: "Hello"\n\ndata: " wörld"\n\ndata: "\\n\\n- item"\n\n')).toBe(
      "Hello wörld\n\n- item",
    );
  });

  test("Strands for Python, `yield event`: the Bedrock deltas once, reprs and snapshots left out, a paragraph after a tool call", async () => {
    const body = [
      'data: {"init_event_loop": true}',
      'data: {"start": true}',
      'data: {"event": {"messageStart": {"role": "assistant"}}}',
      'data: {"event": {"contentBlockDelta": {"delta": {"text": "Let me check."}, "contentBlockIndex": 0}}}',
      `data: "{'data': 'Let me check.', 'delta': {'text': 'Let me check.'}, 'agent': <strands.agent.agent.Agent object at 0x7f>}"`,
      'data: {"event": {"contentBlockStart": {"start": {"toolUse": {"name": "calc", "toolUseId": "t1"}}}}}',
      'data: {"event": {"contentBlockDelta": {"delta": {"toolUse": {"input": "{\\"x\\":"}}}}}',
      'data: {"event": {"messageStop": {"stopReason": "tool_use"}}}',
      'data: {"message": {"role": "assistant", "content": [{"text": "Let me check."}, {"toolUse": {}}]}}',
      'data: {"message": {"role": "user", "content": [{"toolResult": {"content": [{"text": "42"}]}}]}}',
      'data: {"event": {"contentBlockDelta": {"delta": {"reasoningContent": {"text": "hmm"}}}}}',
      'data: {"event": {"contentBlockDelta": {"delta": {"text": "It is 42."}, "contentBlockIndex": 0}}}',
      'data: {"event": {"metadata": {"usage": {"inputTokens": 1}, "metrics": {"latencyMs": 812}}}}',
      `data: "{'result': AgentResult(stop_reason='end_turn')}"`,
    ]
      .map((line) => `${line}\n\n`)
      .join("");
    expect(await sse(body)).toBe("Let me check.\n\nIt is 42.");
  });

  test("Strands for TypeScript, `yield* agent.stream()`: text deltas, snapshots left out", async () => {
    const delta = (text: string) =>
      `data: {"type":"modelStreamUpdateEvent","event":{"type":"modelContentBlockDeltaEvent","delta":{"type":"textDelta","text":${JSON.stringify(text)}}}}\n\n`;
    const body = [
      delta("Hel"),
      'data: {"type":"beforeToolCallEvent","toolUse":{"name":"calc"}}\n\n',
      delta("lo"),
      'data: {"type":"messageAddedEvent","message":{"role":"assistant","content":[{"type":"textBlock","text":"Hello"}]}}\n\n',
      'data: {"type":"messageAddedEvent","message":{"role":"user","content":[{"type":"toolResultBlock","text":"secret"}]}}\n\n',
    ].join("");
    expect(await sse(body)).toBe("Hello");
  });

  test("OpenAI-style chunks", async () => {
    expect(
      await sse(
        'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{}}]}\n\ndata: [DONE]\n\n',
      ),
    ).toBe("a");
  });

  test("only snapshots (no delta at all): the last assistant message is the answer", async () => {
    const body =
      'data: {"message": {"role": "assistant", "content": [{"text": "first"}]}}\n\n' +
      'data: {"message": {"role": "user", "content": [{"text": "tool"}]}}\n\n' +
      'data: {"message": {"role": "assistant", "content": [{"text": "final"}]}}\n\n';
    expect(await sse(body)).toBe("final");
  });
});

describe("errors the agent reports fail the invocation, retryably", () => {
  const failure = (type: string, body: string) =>
    readAgentResponse(type, chunks(body)).then(
      () => undefined,
      (error: unknown) => error,
    );

  test("TypeScript: `event: error` after some text; Python: an error object; a JSON body that is only an error", async () => {
    for (const [type, body] of [
      ["text/event-stream", 'data: {"text":"partial"}\n\nevent: error\ndata: {"error":"boom"}\n\n'],
      [
        "text/event-stream",
        'data: "partial"\n\ndata: {"error": "boom", "error_type": "ValueError", "message": "An error occurred during streaming"}\n\n',
      ],
      ["application/json", '{"error":"boom"}'],
    ] as const) {
      const error = await failure(type, body);
      expect(error).toBeInstanceOf(AgentError);
      expect(error).toMatchObject({ code: "AgentStreamError", retryable: true });
    }
  });
});

describe("files the agent names (agent/files.ts)", () => {
  const file = { url: "https://example.com/a.png", mime: "image/png", name: "a.png" };

  test("a JSON answer: its text, and its attachments beside it", async () => {
    const body = JSON.stringify({ text: "Here it is.", attachments: [file] });
    expect(await readAgentAnswer("application/json", chunks(body))).toEqual({
      text: "Here it is.",
      files: [file],
    });
  });

  test("a stream: text deltas, then an event with only attachments (yielded where it came)", async () => {
    const body = `data: "Here "\n\ndata: "it is."\n\ndata: ${JSON.stringify({ attachments: [file] })}\n\n`;
    expect(await pieces("text/event-stream", body)).toEqual(["Here ", "it is.", { files: [file] }]);
  });

  test("a stream event with text and attachments gives both; a twin of another family gives its files only", async () => {
    const both = `data: ${JSON.stringify({ text: "Hi", attachments: [file] })}\n\n`;
    expect(await readAgentAnswer("text/event-stream", chunks(both))).toEqual({ text: "Hi", files: [file] });
    const twin = `data: {"event":{"contentBlockDelta":{"delta":{"text":"Hi"}}}}\n\ndata: ${JSON.stringify({ text: "Hi", attachments: [file] })}\n\n`;
    expect(await readAgentAnswer("text/event-stream", chunks(twin))).toEqual({ text: "Hi", files: [file] });
  });
});
