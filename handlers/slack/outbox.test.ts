import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  FAKE_BOT_USER_ID as BOT,
  DEFAULT_SLACK_TOKEN,
  type FakeSlack,
  slackErrors,
  startSlack,
} from "../../emulators/slack.ts";
import { PlatformError } from "../core/errors.ts";
import { noRecord, sendAnswer } from "../core/reply/send.ts";
import { slackApi } from "./api.ts";
import { PROGRESS_REACTION, PROGRESS_STATUS, SLACK_LIMIT, slackOutbox } from "./outbox.ts";
import type { SlackReply } from "./reply.ts";
import { MAX_REPLIES_PAGES, REPLIES_PAGE_SIZE, threadMemory } from "./threads.ts";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack({ notInChannels: ["C0NOTMINE1"] });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const outbox = () => slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));
const far = () => ({ deadline: Date.now() + 30_000 });
const PARENT = "1700000000.000100";
const channelReply: SlackReply = { channel: "C0CHANNEL1", ts: PARENT, threadTs: PARENT, assistant: false };
const dmReply: SlackReply = { channel: "D0DMCHAN01", ts: "1700000000.000200", assistant: false };
const assistantReply: SlackReply = {
  channel: "D0DMCHAN01",
  ts: "1700000000.000300",
  threadTs: "1700000000.000250",
  assistant: true,
};

describe("send", () => {
  test("mrkdwn in the thread, links not unfurled; a DM's top-level message answered top level", async () => {
    const box = outbox();
    await sendAnswer(box, channelReply, "**hi** <you>", far());
    await sendAnswer(box, dmReply, "plain", far());
    expect(fake.messages.map((m) => [m.channel, m.thread_ts, m.text])).toEqual([
      ["C0CHANNEL1", PARENT, "*hi* &lt;you&gt;"],
      ["D0DMCHAN01", undefined, "plain"],
    ]);
    expect(fake.callsOf("chat.postMessage")[0]?.params).toMatchObject({
      unfurl_links: "false",
      unfurl_media: "false",
    });
  });

  test(`long answers split at ${SLACK_LIMIT} characters, in order`, async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    await sendAnswer(outbox(), channelReply, long, far());
    const sent = fake.sent("C0CHANNEL1", PARENT);
    expect(sent.length).toBeGreaterThan(2);
    for (const text of sent) expect(text.length).toBeLessThanOrEqual(SLACK_LIMIT);
    expect(sent[0]).toStartWith("Paragraph 0:");
    expect(sent.at(-1)).toContain("Paragraph 149:");
  });

  test("a resumed reply skips the parts already delivered and reports each one it sends", async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    await sendAnswer(outbox(), channelReply, long, far());
    const all = fake.sent();
    fake.reset();
    const counts: number[] = [];
    await sendAnswer(outbox(), channelReply, long, {
      ...far(),
      progress: { delivered: 1 },
      // The last part's count comes with the completion (core/reply/send.ts).
      record: {
        ...noRecord,
        delivered: async (n) => void counts.push(n),
        complete: async (n) => void (n === undefined || counts.push(n)),
      },
    });
    expect(fake.sent()).toEqual(all.slice(1));
    expect(counts).toEqual(all.map((_, i) => i + 1).slice(1));
  });

  test("429: waits Retry-After, then sends once", async () => {
    fake.script("chat.postMessage", slackErrors.ratelimited(1));
    const started = Date.now();
    await sendAnswer(outbox(), channelReply, "later", far());
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(fake.callsOf("chat.postMessage")).toHaveLength(2);
    expect(fake.sent()).toEqual(["later"]);
  });

  test("429 past the deadline: a retryable error for SQS to retry later", async () => {
    fake.script("chat.postMessage", slackErrors.ratelimited(30));
    const error = await sendAnswer(outbox(), channelReply, "x", { deadline: Date.now() + 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).retryable).toBe(true);
  });

  test("not_in_channel: a final error, not retried", async () => {
    const error = await sendAnswer(outbox(), { ...channelReply, channel: "C0NOTMINE1" }, "x", far()).catch(
      (e: unknown) => e,
    );
    expect([(error as PlatformError).reason, (error as PlatformError).retryable]).toEqual([
      "not_in_channel",
      false,
    ]);
  });
});

describe("progress", () => {
  test("outside assistant threads: one reaction on the user's message, removed when done", async () => {
    const box = outbox();
    await box.typing(channelReply);
    await box.typing(channelReply); // the typing loop repeats: the reaction is added once
    expect(fake.reactions.get(`C0CHANNEL1:${PARENT}`)).toEqual(new Set([PROGRESS_REACTION]));
    expect(fake.callsOf("reactions.add")).toHaveLength(1);
    await box.typingDone?.(channelReply);
    expect(fake.reactions.size).toBe(0);
    await box.typingDone?.(channelReply); // nothing left to remove: no call
    expect(fake.callsOf("reactions.remove")).toHaveLength(1);
  });

  test("a reaction already there (a retry of the message) is fine", async () => {
    await outbox().typing(channelReply);
    const box = outbox();
    await box.typing(channelReply);
    await box.typingDone?.(channelReply);
    expect(fake.reactions.size).toBe(0);
  });

  test("assistant threads: setStatus while working, cleared when done", async () => {
    const box = outbox();
    await box.typing(assistantReply);
    await box.typingDone?.(assistantReply);
    expect(fake.callsOf("assistant.threads.setStatus").map((c) => c.params)).toEqual([
      { channel_id: "D0DMCHAN01", thread_ts: "1700000000.000250", status: PROGRESS_STATUS },
      { channel_id: "D0DMCHAN01", thread_ts: "1700000000.000250", status: "" },
    ]);
    expect(fake.callsOf("reactions.add")).toHaveLength(0);
  });
  test("a DM thread where Slack refuses the status (no agent view): the reaction instead, from then on", async () => {
    fake.script("assistant.threads.setStatus", slackErrors.error("missing_scope"));
    const box = outbox();
    await box.typing(assistantReply);
    await box.typingDone?.(assistantReply);
    await box.typing(assistantReply);
    expect(fake.callsOf("assistant.threads.setStatus")).toHaveLength(1);
    expect(fake.callsOf("reactions.add")).toHaveLength(2);
    expect(fake.callsOf("reactions.remove")).toHaveLength(1);
  });

  test("Slack trouble while setting the status is an indicator error, not a switch to reactions", async () => {
    fake.script("assistant.threads.setStatus", slackErrors.serverError(503));
    const box = outbox();
    await expect(box.typing(assistantReply)).rejects.toBeInstanceOf(PlatformError);
    await box.typing(assistantReply);
    expect(fake.callsOf("assistant.threads.setStatus")).toHaveLength(2);
    expect(fake.callsOf("reactions.add")).toHaveLength(0);
  });
});

describe("addressed: is the bot part of the thread?", () => {
  const reply: SlackReply = { ...channelReply, ts: "1700000000.000900", requireBotInThread: BOT };

  test("replies without the check are always addressed, with no call", async () => {
    expect(await outbox().addressed?.(channelReply)).toBe(true);
    expect(await outbox().addressed?.(dmReply)).toBe(true);
    expect(fake.calls).toHaveLength(0);
  });

  test("yes when the bot posted in it; then remembered (no second read)", async () => {
    fake.addToThread("C0CHANNEL1", PARENT, { user: "U0HUMAN001", ts: PARENT });
    fake.addToThread("C0CHANNEL1", PARENT, { user: BOT, ts: "1700000000.000200" });
    const box = outbox();
    expect(await box.addressed?.(reply)).toBe(true);
    expect(await box.addressed?.(reply)).toBe(true);
    expect(fake.callsOf("conversations.replies")).toHaveLength(1);
    expect(fake.callsOf("conversations.replies")[0]?.params).toMatchObject({
      channel: "C0CHANNEL1",
      ts: PARENT,
    });
  });

  test("no when only people posted; a no is asked again next time (a mention may change it)", async () => {
    fake.addToThread("C0CHANNEL1", PARENT, { user: "U0HUMAN001", ts: PARENT });
    const box = outbox();
    expect(await box.addressed?.(reply)).toBe(false);
    expect(await box.addressed?.(reply)).toBe(false);
    expect(fake.callsOf("conversations.replies")).toHaveLength(2);
  });

  test("the bot's own answer makes the thread known without a read", async () => {
    const box = outbox();
    await sendAnswer(box, channelReply, "answer", far());
    expect(await box.addressed?.(reply)).toBe(true);
    expect(fake.callsOf("conversations.replies")).toHaveLength(0);
  });

  test("pages are followed, up to the cap", async () => {
    const many = REPLIES_PAGE_SIZE * 2 + 5;
    for (let i = 0; i < many; i++)
      fake.addToThread("C0CHANNEL1", PARENT, {
        user: "U0HUMAN001",
        ts: `1700000000.${String(100 + i).padStart(6, "0")}`,
      });
    fake.addToThread("C0CHANNEL1", PARENT, { user: BOT, ts: "1700000001.000000" });
    expect(await outbox().addressed?.(reply)).toBe(true);
    expect(fake.callsOf("conversations.replies")).toHaveLength(3);

    fake.reset();
    for (let i = 0; i < REPLIES_PAGE_SIZE * MAX_REPLIES_PAGES + 1; i++)
      fake.addToThread("C0CHANNEL1", PARENT, {
        user: "U0HUMAN001",
        ts: `1700000000.${String(100 + i).padStart(6, "0")}`,
      });
    fake.addToThread("C0CHANNEL1", PARENT, { user: BOT, ts: "1700000009.000000" });
    expect(await outbox().addressed?.(reply)).toBe(false);
    expect(fake.callsOf("conversations.replies")).toHaveLength(MAX_REPLIES_PAGES);
  });

  test("a thread or channel the bot cannot see: not addressed; Slack trouble: an error to retry", async () => {
    expect(await outbox().addressed?.(reply)).toBe(false); // thread_not_found
    expect(await outbox().addressed?.({ ...reply, channel: "C0NOTMINE1" })).toBe(false);
    fake.script("conversations.replies", slackErrors.ratelimited(20));
    const error = await outbox()
      .addressed?.(reply)
      .catch((e: unknown) => e);
    expect([(error as PlatformError).status, (error as PlatformError).retryable]).toEqual([429, true]);
  });

  test("the memory is bounded", () => {
    const memory = threadMemory(2);
    memory.remember("C1", "1.1");
    memory.remember("C1", "1.2");
    memory.remember("C1", "1.3");
    expect([memory.has("C1", "1.1"), memory.has("C1", "1.2"), memory.has("C1", "1.3")]).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe("a message the bot starts (an admin's access request)", () => {
  test("a DM is opened with conversations.open and posted to at its top level", async () => {
    const box = outbox();
    const reply = await box.direct?.("U0ADMIN01");
    expect(reply).toEqual({ channel: "D0ADMIN01", assistant: false });
    if (!reply) throw new Error("no DM");
    await sendAnswer(box, reply, "Access request", far());
    expect(fake.messages.map((m) => [m.channel, m.thread_ts, m.text])).toEqual([
      ["D0ADMIN01", undefined, "Access request"],
    ]);
  });

  test("without the im:write scope the open fails, as Slack answers", async () => {
    const scoped = await startSlack({ missingScopes: ["im:write"] });
    try {
      const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, scoped.url));
      await expect(box.direct?.("U0ADMIN01")).rejects.toBeInstanceOf(PlatformError);
    } finally {
      await scoped.close();
    }
  });
});
