import { afterAll, expect, test } from "bun:test";
import { ECHO_DELAY_MS, ECHO_IMAGE, echoText, startEchoAgent } from "./echo-agent.ts";

const agent = startEchoAgent({ delayMs: 30 });
afterAll(() => agent.stop());

test("the echo streams word by word as SSE, paced, and the words join into the echo", async () => {
  const response = await fetch(`${agent.url}/invocations`, {
    method: "POST",
    headers: { "x-amzn-bedrock-agentcore-runtime-session-id": "s".repeat(40) },
    body: JSON.stringify({ prompt: "one two\nthree" }),
  });
  expect(response.headers.get("content-type")).toStartWith("text/event-stream");
  const arrivals: { at: number; data: string[] }[] = [];
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    const data = [...decoder.decode(chunk).matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '""'));
    arrivals.push({ at: Date.now(), data });
  }
  const words = arrivals.flatMap((a) => a.data);
  expect(words.join("")).toBe(echoText("one two\nthree", "s".repeat(40)));
  expect(words.length).toBeGreaterThanOrEqual(5);
  // Spread over time, not one burst: the answer is seen growing.
  expect((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(30 * (words.length - 2));
  expect(ECHO_DELAY_MS).toBeGreaterThanOrEqual(100);
});

test("GET /ping is healthy; other paths are 404", async () => {
  expect(await (await fetch(`${agent.url}/ping`)).json()).toMatchObject({ status: "Healthy" });
  expect((await fetch(`${agent.url}/nope`)).status).toBe(404);
});

test("files: listed with name, type and size; a message with files (or asking for an image) gets one image after the text", async () => {
  const files = [
    { name: "plan.pdf", mime: "application/pdf", size: 48213 },
    { name: "big.bin", skipped: "too large" },
  ];
  const response = await fetch(`${agent.url}/invocations`, {
    method: "POST",
    headers: { "x-amzn-bedrock-agentcore-runtime-session-id": "s".repeat(40) },
    body: JSON.stringify({ prompt: "", attachments: files }),
  });
  const events = [...(await response.text()).matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '""'));
  const last = events.pop();
  expect(last).toEqual({ attachments: [ECHO_IMAGE] });
  expect(events.join("")).toBe(echoText("", "s".repeat(40), files));
  expect(events.join("")).toContain("- plan.pdf (application/pdf, 48213 bytes)");
  expect(events.join("")).toContain("- big.bin (type unknown, size unknown, not fetched: too large)");
  const plain = await fetch(`${agent.url}/invocations`, {
    method: "POST",
    body: JSON.stringify({ prompt: "hi" }),
  });
  expect(await plain.text()).not.toContain("attachments");
});
