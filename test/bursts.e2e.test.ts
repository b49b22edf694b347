/**
 * Burst merging end to end, on Telegram, through the built bundles, fauxqs (as SQS: a conversation's
 * messages in one batch) and the embedded DynamoDB: a conversation's messages within the window are one
 * agent call and one answer, in order, attachments included; other conversations and later messages are
 * not merged in. The event source is run as Lambda runs it: failed (held) records are left to come back
 * when their visibility ends, not released early.
 */
import { describe, expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { Update } from "@grammyjs/types";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramTextUpdate } from "../emulators/telegram.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const WEBHOOK_SECRET = "webhook-secret_0123456789";
const TABLE = "bursts-ledger";
const WINDOW_MS = 1500;
const ADA = 1001;
const BOB = 1002;

const { stack, dynamo, ingress, pollOnce, depth } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
  ledger: TABLE,
  // One more receive than attempts: a held message was received once without an attempt.
  queue: { maxReceiveCount: 4 },
  env: () => ({ ALLOWED_USERS: `${ADA},${BOB}`, BURST_WINDOW_MS: String(WINDOW_MS), MAX_RECEIVE_COUNT: "4" }),
});

let updateId = 20_000;
async function send(userId: number, text: string, extra: Record<string, unknown> = {}) {
  const update = telegramTextUpdate({ text, userId, updateId: ++updateId, messageId: updateId });
  update.message = { ...update.message, ...extra } as Update["message"];
  const response = await ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
      body: JSON.stringify(update),
    }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  expect(response.statusCode).toBe(200);
  return `telegram:${update.update_id}`;
}

/** Lambda's event source until the queue is empty: held records come back by themselves (long polls). */
async function work() {
  const polls = [];
  for (let round = 0; round < 20; round++) {
    const { visible, inFlight, delayed } = await stack.sqs.depth(stack.queue.queueUrl);
    if (visible + inFlight + delayed === 0) break;
    const poll = await pollOnce({ releaseFailed: false, waitTimeSeconds: 5 });
    if (poll.invoked) polls.push(poll);
  }
  return polls;
}

const prompts = () => stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt);

describe("bursts", () => {
  test("three quick messages: held for the window, then one agent call, one answer, every one answered in the ledger", async () => {
    const photo = [{ file_id: "photo-1", width: 90, height: 90, file_size: 1234 }];
    const ids = [
      await send(ADA, "hi"),
      await send(ADA, "", { text: undefined, caption: "this one", photo }),
      await send(ADA, "check my calendar"),
    ];
    const [held, ...rest] = await work();
    // The first receive held the conversation back: nothing was attempted.
    expect(held?.failed).toHaveLength(3);
    expect(held?.deleted).toEqual([]);
    expect(rest.flatMap((p) => p.deleted)).toHaveLength(3);
    expect(prompts()).toEqual(["hi\nthis one\ncheck my calendar"]);
    const [call] = stack.agentcore.invocations();
    expect((call?.payload as { attachments?: unknown[] } | undefined)?.attachments).toEqual([
      // This stack has no media bucket: the merged message's file reaches the agent as its metadata.
      { kind: "image", id: "photo-1", mime: "image/jpeg", size: 1234, skipped: "media off" },
    ]);
    expect(stack.telegram.sent(ADA)).toEqual(["echo: hi\nthis one\ncheck my calendar"]);
    // The ledger, read with the test's own client (the handlers' one belongs to the bundle).
    const items = await Promise.all(
      ids.map((id) => dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } } }))),
    );
    expect(items.map(({ Item }) => [Item?.complete?.BOOL, Item?.burst?.N])).toEqual([
      [true, "3"],
      [true, undefined],
      [true, undefined],
    ]);
  });

  test("two conversations at once: each merged on its own, answered in its own chat", async () => {
    await send(ADA, "one");
    await send(BOB, "uno");
    await send(ADA, "two");
    await send(BOB, "dos");
    await work();
    expect(prompts().toSorted()).toEqual(["one\ntwo", "uno\ndos"]);
    expect(stack.telegram.sent(ADA)).toEqual(["echo: one\ntwo"]);
    expect(stack.telegram.sent(BOB)).toEqual(["echo: uno\ndos"]);
  });

  test("a message after the window is a question of its own; a command is never merged", async () => {
    await send(ADA, "first");
    await Bun.sleep(WINDOW_MS + 100);
    await send(ADA, "later");
    await send(ADA, "/help");
    await work();
    expect(prompts()).toEqual(["first", "later"]);
    expect(stack.telegram.sent(ADA)).toEqual(["echo: first", "echo: later", expect.stringContaining("/new")]);
  });

  test("a message retried after a failure is answered at once, never held again", async () => {
    stack.agentcore.script(agentReply.error("InternalServerException"));
    await send(ADA, "flaky");
    const held = await pollOnce({ releaseFailed: false, waitTimeSeconds: 5 });
    expect(held.failed).toHaveLength(1);
    // Failed after the window: back to the queue (released at once here instead of after the back-off).
    const failed = await pollOnce({ releaseFailed: true, waitTimeSeconds: 5 });
    expect([failed.failed.length, prompts()]).toEqual([1, ["flaky"]]);
    const answered = await pollOnce({ releaseFailed: false });
    expect(answered.deleted).toHaveLength(1);
    expect(prompts()).toEqual(["flaky", "flaky"]);
    expect(stack.telegram.sent(ADA)).toEqual(["echo: flaky"]);
    expect(await depth()).toBe(0);
  });
});
