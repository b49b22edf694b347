import { describe, expect, test } from "bun:test";
import { extractText, readAgentResponse, readEventStream } from "./response.ts";

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? new TextEncoder().encode(part) : part;
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

describe("readEventStream", () => {
  test("concatenates data events, decoding JSON strings and searching JSON objects", async () => {
    const body = chunks(
      'data: "Hel',
      'lo"\n\n',
      'event: x\ndata: {"text":", "}\n\n',
      "data: world\n\n",
      "data: [DONE]\n\n",
    );
    expect(await readEventStream(body)).toBe("Hello, world");
  });

  test("keeps multi-byte characters split across chunks and CRLF line ends", async () => {
    const bytes = new TextEncoder().encode('data: "héllo 👋"\r\n\r\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the emoji
    expect(await readEventStream(chunks(bytes.slice(0, 8), bytes.slice(8, cut), bytes.slice(cut)))).toBe(
      "héllo 👋",
    );
  });

  test("joins multi-line data and takes a last event without a blank line", async () => {
    expect(await readEventStream(chunks("data: line1\ndata: line2\n\ndata: tail"))).toBe("line1\nline2tail");
  });
});

describe("readAgentResponse", () => {
  test("by content type", async () => {
    expect(await readAgentResponse("application/json", chunks('{"result":"j"}'))).toBe("j");
    expect(await readAgentResponse("application/json; charset=utf-8", chunks('{"other":1}'))).toBe(
      '{"other":1}',
    );
    expect(await readAgentResponse("application/json", chunks("not json"))).toBe("not json");
    expect(await readAgentResponse("text/event-stream; charset=utf-8", chunks('data: "s"\n\n'))).toBe("s");
    expect(await readAgentResponse("text/plain", chunks("t"))).toBe("t");
    expect(await readAgentResponse(undefined, undefined)).toBe("");
  });
});
