import { expect, test } from "bun:test";
import { sampleEnvelope as sample } from "../../../test/fixtures.ts";
import { agentPayload, runtimeUserId } from "./payload.ts";

test("the payload carries the prompt and the context, and nothing of the reply context", () => {
  expect(agentPayload({ ...sample, thread: "3", command: "new" })).toEqual({
    prompt: "hello",
    channel: "telegram",
    conversation: "42",
    thread: "3",
    user: { id: "7", name: "Ada" },
    attachments: [],
    messageId: "1001",
    receivedAt: "2023-11-14T22:13:20.000Z",
  });
  expect(agentPayload(sample)).not.toHaveProperty("thread");
});

test("the runtime user id is the channel and the platform's user id", () => {
  expect(runtimeUserId(sample)).toBe("telegram:7");
});
