/**
 * Streamed answers on Slack, end to end through the built bundles with the send ledger on: the agent
 * streams (the AgentCore emulator writes each framework's bytes), the worker shows the answer growing —
 * Slack's own stream in a thread, a message updated as it grows at a DM's top level — under the
 * emulator's stream rules and tier limits. A stream ends with the rest of the answer's Markdown (Slack
 * renders it); a message updated as it grows ends as the non-streaming mrkdwn. A worker
 * killed mid-stream (a real process, killed) leaves, after the retry, one answer: the same message.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { agentStreams, words } from "../emulators/agent-streams.ts";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { pollSqsOnce } from "../emulators/lambda.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  FAKE_TEAM_ID,
  slackErrors,
  slackEventCallback,
  slackHeaders,
  slackMentionEvent,
  slackMessageEvent,
  slackTs,
  startSlack,
} from "../emulators/slack.ts";
import { renderChunks } from "../handlers/core/text/split.ts";
import { markdownToSlackMrkdwn } from "../handlers/slack/format.ts";
import { REPLY_EVENT_TYPE } from "../handlers/slack/lookup.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { readSlack } from "./harness/slack-read.ts";
import { NodeFunction } from "./reliability/lambda-node.ts";

const USER = "U0HUMAN001";
const DM = "D0DMCHAN01";
const CHANNEL = "C0CHANNEL1";
const {
  stack,
  platform: slack,
  ingress,
  work,
  pollOnce,
} = await useChannelE2E({
  channel: "slack",
  secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
  platform: () => startSlack(),
  ledger: "slack-stream-ledger",
  env: (platform) => ({ ALLOWED_USERS: "*", SLACK_API_URL: platform.url }),
});

type Where = "thread" | "dm" | "channel";
/** A message from the user: in an assistant (DM) thread, at a DM's top level, or a mention in a channel. */
async function deliver(text: string, where: Where = "thread") {
  const thread = slackTs();
  const event =
    where === "channel"
      ? slackMentionEvent({ text, user: USER, channel: CHANNEL })
      : slackMessageEvent({
          text,
          user: USER,
          channel: DM,
          ...(where === "thread" ? { threadTs: thread } : {}),
        });
  const body = JSON.stringify(slackEventCallback(event));
  const response = await ingress(
    httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(body), body }),
  );
  expect(response.statusCode).toBe(200);
  return event;
}

const ANSWER =
  "Here is **the plan** for today:\n\n1. Read the *logs*\n2. Fix the `LEDGER_TABLE` setting\n3. Deploy again\n\nSee [the runbook](https://example.com/runbook) — tell me how it goes.";
const mrkdwn = (md: string) => renderChunks(md, markdownToSlackMrkdwn, 4000);
const calls = (method: string) => slack.callsOf(method);
const ok = (method: string) =>
  calls(method).filter((c) => (c.response?.body as { ok?: boolean } | undefined)?.ok === true);
const limited = () => slack.calls.filter((c) => c.response?.status === 429);
/** What the stream calls of message `ts` sent, joined: the Markdown Slack showed while it streamed. */
const streamedText = (ts: string) =>
  [
    ...ok("chat.startStream").filter((c) => ((c.response?.body ?? {}) as { ts?: string }).ts === ts),
    ...ok("chat.appendStream").filter((c) => c.params.ts === ts),
  ]
    .map((c) => String(c.params.markdown_text ?? ""))
    .join("");

describe("a thread: Slack's own stream", () => {
  test("an assistant thread: the stream grows by Markdown and stops with the rest of it and the reply's metadata", async () => {
    const event = await deliver("plan please");
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 120 }));
    await work();
    const [start] = ok("chat.startStream");
    expect(start?.params).toMatchObject({ channel: DM, thread_ts: event.thread_ts });
    expect(ok("chat.appendStream").length).toBeGreaterThanOrEqual(1);
    const ts = String(((start?.response?.body ?? {}) as { ts?: string }).ts);
    // Only whole constructs were ever appended: a prefix of the answer, no dangling `**`.
    expect(ANSWER.startsWith(streamedText(ts))).toBe(true);
    expect(ok("chat.stopStream").map((c) => c.params.ts)).toEqual([ts]);
    // The stop is the last call: the answer is final as soon as the agent is done, as a post would be.
    expect(slack.calls.filter((c) => c.method.startsWith("chat.")).at(-1)?.method).toBe("chat.stopStream");
    expect(calls("chat.postMessage")).toEqual([]);
    expect(calls("chat.update")).toEqual([]);
    expect(readSlack(slack)).toEqual(mrkdwn(ANSWER));
    // What the user reads is the answer's Markdown, whole, as Slack renders it.
    expect(slack.messages[0]?.text.trimEnd()).toBe(ANSWER);
    expect(slack.messages[0]).toMatchObject({ ts, streaming_state: "completed" });
    expect(slack.messages[0]?.metadata?.event_type).toBe(REPLY_EVENT_TYPE);
    expect(limited()).toEqual([]);
  }, 20_000);

  test("a mention in a channel: streamed to the user who asked, in the mention's thread", async () => {
    const event = await deliver("status?", "channel");
    stack.agentcore.script(agentStreams.typescript(words(ANSWER), { chunkDelayMs: 100 }));
    await work();
    expect(ok("chat.startStream")[0]?.params).toMatchObject({
      channel: CHANNEL,
      thread_ts: event.ts,
      recipient_user_id: USER,
      recipient_team_id: FAKE_TEAM_ID,
    });
    expect(readSlack(slack)).toEqual(mrkdwn(ANSWER));
  }, 20_000);

  test("appends are paced (one a second); a 429 is waited out and the answer completes", async () => {
    await deliver("busy");
    slack.script("chat.appendStream", slackErrors.ratelimited(1));
    stack.agentcore.script(agentStreams.python(words(`${ANSWER} ${ANSWER}`), { chunkDelayMs: 60 }));
    await work();
    expect(calls("chat.appendStream").some((c) => c.response?.status === 429)).toBe(true);
    const at = [...ok("chat.startStream"), ...ok("chat.appendStream")].map((c) => c.at);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(700);
    expect(readSlack(slack)).toEqual(mrkdwn(`${ANSWER} ${ANSWER}`));
  }, 20_000);

  test("a long answer crosses 4,000 mid-stream: the full part is stopped at its final text, the rest streams in a new message", async () => {
    const long = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i}: **bold ${i}** and \`code\` — ${"lorem ipsum dolor sit amet ".repeat(8)}`,
    ).join("\n\n");
    await deliver("long");
    stack.agentcore.script(agentStreams.python(words(long), { chunkDelayMs: 100, chunkBytes: 2048 }));
    await work();
    const expected = mrkdwn(long);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(readSlack(slack)).toEqual(expected);
    // Each part is a stream, or a message where it filled before it could start (a big chunk at once).
    const created = [...ok("chat.startStream"), ...ok("chat.postMessage")]
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(created).toHaveLength(expected.length);
    expect(ok("chat.startStream").length).toBeGreaterThanOrEqual(1);
    // A part streamed takes its final text (the stop with the rest) before the next part begins.
    for (const start of ok("chat.startStream")) {
      const ts = ((start.response?.body ?? {}) as { ts?: string }).ts;
      const final = ok("chat.stopStream").find((c) => c.params.ts === ts);
      const next = created.find((at) => at > start.at);
      if (next !== undefined) expect(final?.at ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(next);
    }
    expect(limited()).toEqual([]);
  }, 30_000);

  test("an answer in one piece (a JSON body) is posted as it is, no stream first", async () => {
    await deliver("json");
    stack.agentcore.script(agentReply.json({ response: ANSWER }));
    await work();
    expect(calls("chat.startStream")).toEqual([]);
    expect(slack.messages.map((m) => m.text)).toEqual(mrkdwn(ANSWER));
  });
});

describe("a DM's top level: a message updated as it grows", () => {
  test("posted, updated at most every 3 s (chat.update is Tier 3), the last update the final mrkdwn", async () => {
    await deliver("hello", "dm");
    stack.agentcore.script(agentStreams.strandsPython(words(`${ANSWER} ${ANSWER}`), { chunkDelayMs: 120 }));
    await work();
    expect(calls("chat.startStream")).toEqual([]);
    const [first] = ok("chat.postMessage");
    expect(first?.params).toMatchObject({ channel: DM });
    expect(first?.params.thread_ts).toBeUndefined();
    const at = [first?.at ?? 0, ...ok("chat.update").map((c) => c.at)];
    expect(at.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < at.length - 1; i++)
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(slack.messages.map((m) => m.text)).toEqual(mrkdwn(`${ANSWER} ${ANSWER}`));
  }, 20_000);
});

describe("the send ledger with streams", () => {
  test("redelivered after the streamed answer completed: nothing sent again", async () => {
    await deliver("once");
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 30 }));
    const first = await pollOnce();
    expect(first.deleted).toHaveLength(1);
    const before = slack.calls.length;
    await stack.sqs.send(stack.queue.queueUrl, first.event.Records[0]?.body ?? "", { groupId: "g" });
    await work();
    expect(slack.calls.slice(before).filter((c) => c.method.startsWith("chat."))).toEqual([]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
  });

  const fn = new NodeFunction({
    bundle: "modules/slack/dist/worker.mjs",
    env: { ...process.env },
    timeoutMs: 30_000,
    output: () => {},
  });
  afterAll(() => fn.close());

  test("a worker killed mid-stream leaves, after the retry, one answer: the same message, its stream stopped, at the new answer", async () => {
    const first = `The first attempt's answer, which the worker never finishes: ${"it is killed while it streams this to the thread. ".repeat(6)}`;
    await deliver("kill me");
    stack.agentcore.script(agentStreams.python(words(first), { chunkDelayMs: 120 }));
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 10 }));
    const poll = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
      const running = fn.invoke(event);
      await slack.waitFor(
        (all) => all.some((c) => c.method === "chat.appendStream" && c.response?.status === 200),
        10_000,
      );
      // Killed once the ledger holds where the stream is (written right after chat.startStream answered).
      await Bun.sleep(200);
      fn.kill();
      throw new Error(`the worker was ${(await running).kind}`);
    });
    expect(poll.failed).toHaveLength(1);
    expect(slack.messages[0]?.streaming_state).toBe("in_progress");
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({ text: mrkdwn(ANSWER)[0], streaming_state: "completed" });
    expect(ok("chat.startStream")).toHaveLength(1);
  }, 30_000);
});

describe("a workspace without streams", () => {
  // Last: the worker's container remembers it for the rest of this file.
  test("unknown_method: this answer by updates, and the container does not try streams again", async () => {
    await deliver("no streams here");
    slack.script("chat.startStream", slackErrors.error("unknown_method"));
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 120 }));
    await work();
    expect(calls("chat.startStream")).toHaveLength(1);
    expect(ok("chat.postMessage")).toHaveLength(1);
    expect(slack.messages.map((m) => m.text)).toEqual(mrkdwn(ANSWER));
    slack.reset();
    await deliver("again");
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 120 }));
    await work();
    expect(calls("chat.startStream")).toEqual([]);
    expect(ok("chat.update").length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
