import { expect, test } from "bun:test";
import { sampleEnvelope as sample } from "../../../test/fixtures.ts";
import { agentPayload, runtimeUserId, sessionId } from "./session.ts";

test("session ids are deterministic, per conversation and thread, and long enough for AgentCore", () => {
  const id = sessionId(sample);
  expect(id).toBe(sessionId({ ...sample }));
  expect(id).toMatch(/^telegram-[0-9a-f]{64}$/);
  expect(id.length).toBeGreaterThanOrEqual(33);
  expect(id.length).toBeLessThanOrEqual(256);
  expect(sessionId({ ...sample, conversation: "43" })).not.toBe(id);
  expect(sessionId({ ...sample, thread: "1" })).not.toBe(id);
  expect(sessionId({ ...sample, channel: "slack" })).not.toBe(id);
});

test("each /new generation of a conversation has its own session id; the first is the plain one", () => {
  const ids = [0, 1, 2, 10].map((generation) => sessionId(sample, generation));
  expect(ids[0]).toBe(sessionId(sample));
  expect(new Set(ids).size).toBe(4);
  for (const id of ids) expect(id).toMatch(/^telegram-[0-9a-f]{64}$/);
});

test("payload carries the prompt and the context", () => {
  expect(agentPayload({ ...sample, thread: "3" })).toEqual({
    prompt: "hello",
    channel: "telegram",
    conversation: "42",
    thread: "3",
    user: { id: "7", name: "Ada" },
    attachments: [],
    messageId: "1001",
    receivedAt: "2023-11-14T22:13:20.000Z",
  });
  expect(runtimeUserId(sample)).toBe("telegram:7");
});
