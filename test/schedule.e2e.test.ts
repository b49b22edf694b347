/**
 * A schedule firing, end to end through the built Telegram worker: the message EventBridge Scheduler puts
 * on the main queue (fauxqs, content-based deduplication on as the module sets it when there are schedules)
 * is the module's `input` (modules/telegram/tests/schedules.tftest.hcl pins the same text) with the
 * scheduler's context attribute filled in, sent as Scheduler sends it: SendMessage with the body and the
 * schedule's MessageGroupId, no deduplication id. The agent is the AgentCore emulator's echo; the send
 * ledger is on dynalite.
 */
import { describe, expect, test } from "bun:test";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { DEFAULT_TELEGRAM_TOKEN } from "../emulators/telegram.ts";
import { sampleEnvelope } from "./fixtures.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const ALLOWED = 7;
const { stack, work } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "schedule-secret" },
  queue: { contentBasedDeduplication: true },
  ledger: "schedule-ledger",
  env: () => ({ ALLOWED_USERS: String(ALLOWED), STREAM_REPLIES: "false" }),
});

/**
 * The module's input for `{ name = "morning", conversation = "<conversation>", prompt = "Summarise <my> day" }`
 * (Terraform's jsonencode writes `<` and `>` as \u003c and \u003e), after the scheduler filled in the time.
 */
function firing(conversation: string, time: string): string {
  return (
    `{"channel":"telegram","conversation":${JSON.stringify(conversation)},"kind":"schedule","name":"morning",` +
    `"prompt":"Summarise \\u003cmy\\u003e day","template":null,"thread":null,"time":"${time}","v":1}`
  );
}

/** SendMessage as EventBridge Scheduler calls it for a FIFO target. */
const fire = (body: string, groupId: string) =>
  stack.sqs.client.send(
    new SendMessageCommand({ QueueUrl: stack.queue.queueUrl, MessageBody: body, MessageGroupId: groupId }),
  );

describe("schedules", () => {
  test("a firing asks the agent the prompt in the conversation and delivers the answer once", async () => {
    const body = firing(String(ALLOWED), "2026-12-02T07:00:00Z");
    await fire(body, `telegram:${ALLOWED}`);
    // The scheduler's retry of the same firing: the same body, dropped by content-based deduplication.
    await fire(body, `telegram:${ALLOWED}`);
    // The same firing again after SQS's five minutes (here: another deduplication id): the ledger drops it.
    await stack.sqs.send(stack.queue.queueUrl, body, { groupId: `telegram:${ALLOWED}`, dedupId: "later" });
    await work();

    const calls = stack.agentcore.invocations();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.payload).toMatchObject({
      prompt: "Summarise <my> day",
      channel: "telegram",
      conversation: String(ALLOWED),
      user: { id: "schedule:morning", name: "morning" },
      messageId: "schedule:morning:2026-12-02T07:00:00Z",
      receivedAt: "2026-12-02T07:00:00.000Z",
      attachments: [],
    });
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: Summarise &lt;my&gt; day"]);
    // The next firing is another message, answered in its turn.
    await fire(firing(String(ALLOWED), "2026-12-03T07:00:00Z"), `telegram:${ALLOWED}`);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(stack.telegram.sent(ALLOWED)).toHaveLength(2);
    expect((await stack.sqs.depth(stack.queue.dlqUrl)).visible).toBe(0);
  });

  test("in its conversation's order with the users' messages", async () => {
    await stack.sqs.send(stack.queue.queueUrl, JSON.stringify({ ...sampleEnvelope, text: "first" }), {
      groupId: "telegram:42",
      dedupId: "user-1",
    });
    await fire(firing("42", "2026-12-04T07:00:00Z"), "telegram:42");
    await stack.sqs.send(
      stack.queue.queueUrl,
      JSON.stringify({ ...sampleEnvelope, eventId: "1002", text: "third" }),
      { groupId: "telegram:42", dedupId: "user-2" },
    );
    await work();
    expect(stack.telegram.sent(42)).toEqual(["echo: first", "echo: Summarise &lt;my&gt; day", "echo: third"]);
  });

  test("a conversation no allowed user talked in is refused: the agent is not asked", async () => {
    await fire(firing("555", "2026-12-02T07:00:00Z"), "telegram:555");
    await work();
    expect(stack.agentcore.invocations()).toEqual([]);
    expect(stack.telegram.sent(555)).toEqual([]);
    expect((await stack.sqs.depth(stack.queue.queueUrl)).visible).toBe(0);
    expect((await stack.sqs.depth(stack.queue.dlqUrl)).visible).toBe(0);
  });

  test("a firing that is not valid stays on the queue, then the DLQ; nothing is asked", async () => {
    const bad = firing(String(ALLOWED), "not a time");
    await fire(bad, `telegram:${ALLOWED}`);
    await work();
    expect(stack.agentcore.invocations()).toEqual([]);
    const dead = await stack.sqs.receiveAll(stack.queue.dlqUrl);
    expect(dead.map((m) => m.Body)).toEqual([bad]);
  });
});
