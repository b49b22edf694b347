import { afterAll, beforeAll, expect, test } from "bun:test";
import { agentReply, type FakeAgentCore, startAgentCore } from "../../../emulators/agentcore.ts";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import { AgentError } from "../errors.ts";
import { containerAgent } from "./local.ts";
import { sessionId } from "./session-id.ts";

const SESSION = sessionId(sampleEnvelope, 2);

/** The agent's whole answer. */
async function ask(agent: ReturnType<typeof containerAgent>): Promise<string> {
  let text = "";
  for await (const piece of agent.stream(sampleEnvelope, SESSION)) text += piece;
  return text;
}
let fake: FakeAgentCore;
beforeAll(async () => {
  fake = await startAgentCore();
});
afterAll(() => fake.close());

test("calls POST /invocations with the AgentCore session header and reads the answer", async () => {
  const agent = containerAgent(`${fake.url}/`);
  expect(await ask(agent)).toBe("echo: hello");
  const [call] = fake.calls;
  expect(call?.op).toBe("container-invoke");
  expect(call?.sessionId).toBe(SESSION);
  expect(call?.payload).toMatchObject({ prompt: "hello", channel: "telegram" });
});

test("streams SSE like the runtime", async () => {
  fake.script(agentReply.sseJson(["a", "b"], { chunkBytes: 1 }));
  expect(await ask(containerAgent(fake.url))).toBe("ab");
});

test("5xx is retryable, 4xx is not, a dead server is retryable", async () => {
  fake.script(agentReply.error("InternalServerException"));
  const server = await ask(containerAgent(fake.url)).catch((e: unknown) => e);
  expect(server).toBeInstanceOf(AgentError);
  expect((server as AgentError).retryable).toBe(true);
  fake.script(agentReply.error("ValidationException"));
  const client = await ask(containerAgent(fake.url)).catch((e: unknown) => e);
  expect((client as AgentError).retryable).toBe(false);
  const dead = await ask(containerAgent("http://127.0.0.1:9")).catch((e: unknown) => e);
  expect((dead as AgentError).retryable).toBe(true);
});
