import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { DEFAULT_SLACK_TOKEN, type FakeSlack, slackErrors, startSlack } from "../../emulators/slack.ts";
import { setEnv } from "../../test/harness/env.ts";
import { streamAnswer } from "../core/reply/live.ts";
import { noRecord, sendAnswer } from "../core/reply/send.ts";
import { slackApi } from "./api.ts";
import { markdownToSlackMrkdwn } from "./format.ts";
import { REPLY_EVENT_TYPE } from "./lookup.ts";
import { slackOutbox } from "./outbox.ts";
import type { SlackReply } from "./reply.ts";

let fake: FakeSlack;
let restore: () => void;
beforeAll(async () => {
  restore = setEnv({ LOG_LEVEL: "error" });
  // Fast enough for tests: the pace is the outbox's own (1 s, 3 s), so answers here take a few seconds.
  fake = await startSlack();
});
afterAll(async () => {
  restore();
  await fake.close();
});
beforeEach(() => fake.reset());

const THREAD = "1700000000.000100";
const assistant: SlackReply = {
  channel: "D0DMCHAN01",
  ts: "1700000000.000200",
  threadTs: THREAD,
  assistant: true,
};
const inChannel: SlackReply = {
  channel: "C0CHANNEL1",
  ts: "1700000000.000300",
  threadTs: THREAD,
  assistant: false,
  user: "U0HUMAN001",
  team: "T0FAKETEAM",
};
const dmTop: SlackReply = { channel: "D0DMCHAN01", ts: "1700000000.000400", assistant: false };

const ANSWER = "Here is **the answer**, with `code` and [a link](https://example.com/x).\n\n- one\n- two\n";

/** The agent: `pieces`, `gapMs` apart. */
async function* agent(pieces: string[], gapMs: number): AsyncGenerator<string> {
  for (const piece of pieces) {
    await Bun.sleep(gapMs);
    yield piece;
  }
}
const words = (text: string) => text.match(/\S+\s*/g) ?? [];

/** What the worker does: stream while the agent writes, then bring every part to its final text. */
async function answer(box: ReturnType<typeof slackOutbox>, reply: SlackReply, pieces: string[], gapMs = 120) {
  const streaming = box.streaming?.(reply);
  if (!streaming) throw new Error("no streaming");
  const progress = { delivered: 0 };
  const streamed = await streamAnswer(agent(pieces, gapMs), box, reply, {
    streaming,
    key: "slack:Ev1",
    record: noRecord,
    progress,
    deadline: Date.now() + 30_000,
  });
  await sendAnswer(box, reply, streamed.text, {
    deadline: Date.now() + 30_000,
    key: "slack:Ev1",
    progress: { ...progress, refs: streamed.refs },
    shown: streamed.shown,
  });
}

const methods = () => fake.calls.map((c) => c.method).filter((m) => m.startsWith("chat."));

test("an assistant thread: Slack's stream grows by Markdown and stops with the rest of it and the metadata, in one call", async () => {
  await answer(slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url)), assistant, words(ANSWER));
  const calls = methods();
  expect(calls[0]).toBe("chat.startStream");
  expect(calls).toContain("chat.appendStream");
  expect(calls.at(-1)).toBe("chat.stopStream");
  expect(calls).not.toContain("chat.update");
  expect(calls).not.toContain("chat.postMessage");
  const start = fake.callsOf("chat.startStream")[0]?.params;
  expect(start).toMatchObject({ channel: "D0DMCHAN01", thread_ts: THREAD });
  expect(start?.recipient_user_id).toBeUndefined();
  // Appended text is only ever a prefix of the answer: nothing open sent.
  const streamed = [start, ...fake.callsOf("chat.appendStream").map((c) => c.params)]
    .map((p) => String(p?.markdown_text ?? ""))
    .join("");
  expect(ANSWER.startsWith(streamed)).toBe(true);
  // What was held back came with the stop: the message is the answer's Markdown, whole.
  const stop = fake.callsOf("chat.stopStream")[0]?.params;
  expect(`${streamed}${String(stop?.markdown_text ?? "")}`.trimEnd()).toBe(ANSWER.trimEnd());
  const [message] = fake.messages;
  expect(message?.text.trimEnd()).toBe(ANSWER.trimEnd());
  expect(message?.streaming_state).toBe("completed");
  expect(message?.metadata?.event_type).toBe(REPLY_EVENT_TYPE);
}, 20_000);

test("a channel thread streams to the user who asked (recipient ids); without them, a message updated as it grows", async () => {
  await answer(slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url)), inChannel, words(ANSWER));
  expect(fake.callsOf("chat.startStream")[0]?.params).toMatchObject({
    recipient_user_id: "U0HUMAN001",
    recipient_team_id: "T0FAKETEAM",
  });
  fake.reset();
  const { user: _user, team: _team, ...anonymous } = inChannel;
  await answer(slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url)), anonymous, words(ANSWER));
  expect(methods()[0]).toBe("chat.postMessage");
  expect(methods()).not.toContain("chat.startStream");
  expect(methods()).toContain("chat.update");
  expect(fake.messages[0]?.text).toBe(markdownToSlackMrkdwn(ANSWER));
}, 20_000);

test("a DM's top level (no thread, so no stream): posted, then updated at most every 3 s", async () => {
  await answer(slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url)), dmTop, words(ANSWER), 200);
  expect(methods()[0]).toBe("chat.postMessage");
  const updates = fake.callsOf("chat.update");
  expect(updates.length).toBeGreaterThan(0);
  // Live updates are paced (3 s between their starts: arrivals here may be closer on a busy machine, never
  // as close as the agent's words); the final one follows the agent's last word at once.
  for (let i = 1; i < updates.length - 1; i++)
    expect((updates[i]?.at ?? 0) - (updates[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
  expect(fake.messages.map((m) => m.text)).toEqual([markdownToSlackMrkdwn(ANSWER)]);
}, 20_000);

test("a workspace without streams (unknown_method): this answer and every later one by updates", async () => {
  const noStreams = await startSlack({ streaming: false });
  try {
    const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, noStreams.url));
    await answer(box, assistant, words(ANSWER));
    expect(noStreams.callsOf("chat.startStream").length).toBe(1);
    expect(noStreams.messages.map((m) => m.text)).toEqual([markdownToSlackMrkdwn(ANSWER)]);
    await answer(box, assistant, words("Second answer, streamed by updates."));
    expect(noStreams.callsOf("chat.startStream").length).toBe(1);
    expect(noStreams.callsOf("chat.update").length).toBeGreaterThan(0);
  } finally {
    await noStreams.close();
  }
}, 20_000);

test("a conversation that refuses streams: this answer goes on as a message updated as it grows, and so does the next one there", async () => {
  fake.script("chat.startStream", slackErrors.error("channel_type_not_supported"));
  const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));
  await answer(box, inChannel, words(ANSWER));
  expect(methods().slice(0, 2)).toEqual(["chat.startStream", "chat.postMessage"]);
  expect(
    methods()
      .slice(2)
      .every((m) => m === "chat.update"),
  ).toBe(true);
  expect(methods().length).toBeGreaterThan(3);
  expect(fake.messages.map((m) => m.text)).toEqual([markdownToSlackMrkdwn(ANSWER)]);
  fake.reset();
  await answer(box, inChannel, words(ANSWER));
  expect(methods()[0]).toBe("chat.postMessage");
  expect(methods()).not.toContain("chat.startStream");
}, 20_000);

test("a stream an earlier attempt left open: stopped, then updated to the final text; a part no longer needed deleted", async () => {
  const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));
  const first = await slackApi(DEFAULT_SLACK_TOKEN, fake.url)<{ ts: string }>("chat.startStream", {
    channel: assistant.channel,
    thread_ts: THREAD,
    markdown_text: "stale partial",
  });
  const extra = await slackApi(DEFAULT_SLACK_TOKEN, fake.url)<{ ts: string }>("chat.postMessage", {
    channel: assistant.channel,
    thread_ts: THREAD,
    text: "old second part",
  });
  await sendAnswer(box, assistant, "The retry's answer.", {
    deadline: Date.now() + 10_000,
    key: "slack:Ev1",
    progress: { delivered: 0, refs: [first.ts, extra.ts] },
  });
  expect(methods().slice(2)).toEqual(["chat.update", "chat.stopStream", "chat.update", "chat.delete"]);
  expect(fake.messages.map((m) => m.text)).toEqual(["The retry's answer."]);
}, 20_000);

test("a stream Slack ended as idle (the agent in a long tool call) ends as the answer's mrkdwn by an update", async () => {
  const idle = await startSlack({ streamIdleMs: 400 });
  try {
    const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, idle.url));
    const streaming = box.streaming?.(assistant);
    if (!streaming) throw new Error("no streaming");
    async function* agentWithPause() {
      yield* agent(["Looking ", "it ", "up "], 50);
      await Bun.sleep(1_500);
      yield* agent(["— found **it**."], 0);
    }
    const streamed = await streamAnswer(agentWithPause(), box, assistant, {
      streaming,
      key: "slack:Ev2",
      record: noRecord,
      progress: { delivered: 0 },
      deadline: Date.now() + 30_000,
    });
    await sendAnswer(box, assistant, streamed.text, {
      deadline: Date.now() + 30_000,
      key: "slack:Ev2",
      progress: { delivered: 0, refs: streamed.refs },
      shown: streamed.shown,
    });
    const stops = idle.callsOf("chat.stopStream");
    expect(stops.at(-1)?.response?.body).toMatchObject({ error: "message_not_in_streaming_state" });
    expect(idle.callsOf("chat.update").at(-1)?.params.text).toBe(markdownToSlackMrkdwn(streamed.text));
    expect(idle.messages.map((m) => m.text)).toEqual([
      markdownToSlackMrkdwn("Looking it up — found **it**."),
    ]);
    expect(idle.messages[0]?.metadata?.event_type).toBe(REPLY_EVENT_TYPE);
  } finally {
    await idle.close();
  }
}, 20_000);

test("a stream that shows more than its part (the part froze behind it) is stopped, then updated to the part", async () => {
  const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));
  const ts = await box.start?.(assistant, { index: 0, text: "", key: "slack:Ev3" }, "First part. Second ");
  if (ts === undefined) throw new Error("no stream");
  await box.edit?.(assistant, ts, {
    index: 0,
    text: "First part.",
    markdown: "First part.",
    key: "slack:Ev3",
  });
  expect(methods()).toEqual(["chat.startStream", "chat.stopStream", "chat.update"]);
  expect(fake.callsOf("chat.stopStream")[0]?.params.markdown_text).toBeUndefined();
  expect(fake.messages.map((m) => m.text)).toEqual(["First part."]);
});

test("a stream whose last words were all appended stops without text: what it shows is the part", async () => {
  const box = slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));
  const ts = await box.start?.(assistant, { index: 0, text: "", key: "slack:Ev4" }, "All **of** it\n");
  if (ts === undefined) throw new Error("no stream");
  await box.edit?.(assistant, ts, {
    index: 0,
    text: "All *of* it",
    markdown: "All **of** it",
    key: "slack:Ev4",
  });
  expect(methods()).toEqual(["chat.startStream", "chat.stopStream"]);
  expect(fake.callsOf("chat.stopStream")[0]?.params.markdown_text).toBeUndefined();
  expect(fake.messages[0]?.metadata?.event_type).toBe(REPLY_EVENT_TYPE);
});
