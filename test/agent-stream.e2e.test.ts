/**
 * The relay's reading of a streamed answer against the AgentCore SDK for TypeScript itself: an agent built
 * on `BedrockAgentCoreApp` (test/agents/sdk-shapes.ts) streams over loopback in each shape the SDK puts on
 * the wire, and the relay's agent client (AGENT_URL) reads the pieces as they come.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { containerAgent } from "../handlers/core/agent/local.ts";
import { AgentError } from "../handlers/core/errors.ts";
import { PIECES } from "./agents/sdk-shapes.ts";
import { sampleEnvelope } from "./fixtures.ts";
import { freePort, untilHealthy } from "./harness/agent-process.ts";

let agent: ChildProcess;
let url: string;
let output = "";

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  agent = spawn(process.execPath, [join(import.meta.dir, "agents/sdk-shapes.ts")], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
  agent.stderr?.setEncoding("utf8").on("data", (text: string) => (output += text));
  await untilHealthy(url, agent, () => output);
}, 30_000);

afterAll(() => {
  agent?.kill();
});

/** The pieces the relay reads for a prompt naming the shape, with when each arrived. */
async function read(shape: string): Promise<{ pieces: string[]; at: number[] }> {
  const pieces: string[] = [];
  const at: number[] = [];
  for await (const piece of containerAgent(url).stream({ ...sampleEnvelope, text: shape }, "s".repeat(40))) {
    if (typeof piece !== "string") continue;
    pieces.push(piece);
    at.push(Date.now());
  }
  return { pieces, at };
}

test("yield { event: 'message', data: { text } }: every piece, in order", async () => {
  expect((await read("message")).pieces).toEqual(PIECES);
});

test("raw string yields and plain objects: the same text (`42` and multi-line pieces as written)", async () => {
  expect((await read("raw")).pieces.join("")).toBe(PIECES.join(""));
  expect((await read("objects")).pieces).toEqual(PIECES);
});

test("pieces arrive as the agent yields them, not at the end", async () => {
  const { pieces, at } = await read("slow");
  expect(pieces).toEqual(PIECES);
  // Spaced by the agent's 30 ms pauses: the first came well before the last.
  expect((at.at(-1) ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(100);
});

test("an error after some text fails the invocation (retryable), it does not end the answer early", async () => {
  const pieces: string[] = [];
  const error = await (async () => {
    for await (const piece of containerAgent(url).stream(
      { ...sampleEnvelope, text: "error" },
      "s".repeat(40),
    ))
      if (typeof piece === "string") pieces.push(piece);
  })().catch((e: unknown) => e);
  expect(pieces).toEqual(PIECES.slice(0, 2));
  expect(error).toBeInstanceOf(AgentError);
  expect(error).toMatchObject({ code: "AgentStreamError", retryable: true });
});
