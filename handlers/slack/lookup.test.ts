import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { DEFAULT_SLACK_TOKEN, type FakeSlack, slackErrors, startSlack } from "../../emulators/slack.ts";
import { PlatformError } from "../core/errors.ts";
import { noRecord, type SendOptions, sendAnswer } from "../core/reply/send.ts";
import { slackApi } from "./api.ts";
import {
  CLOCK_SKEW_MS,
  LOOKUP_PAGE_SIZE,
  MAX_LOOKUP_PAGES,
  REPLY_EVENT_TYPE,
  replyTag,
  slackTsOf,
} from "./lookup.ts";
import { slackOutbox } from "./outbox.ts";
import type { SlackReply } from "./reply.ts";

/**
 * A part whose earlier post has an unknown outcome, through the outbox against the fake Web API: each
 * attempt is a fresh outbox, as a new Lambda container would be.
 */

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

// Logs are read back (what the lookup concluded, what Slack refused) and kept off the test output.
let warnings: ReturnType<typeof spyOn>;
beforeEach(() => {
  warnings = spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => warnings.mockRestore());
const logged = (event: string): Record<string, unknown>[] =>
  warnings.mock.calls
    .map((args: unknown[]) => JSON.parse(String(args[0])) as Record<string, unknown>)
    .filter((line: Record<string, unknown>) => line.event === event);

const KEY = "slack:Ev0000000001";
const PARENT = "1700000000.000100";
const thread: SlackReply = { channel: "C0CHANNEL1", ts: PARENT, threadTs: PARENT, assistant: false };
const dm: SlackReply = { channel: "D0DMCHAN01", ts: "1700000000.000200", assistant: false };
const LONG = Array.from({ length: 3 }, (_, i) => `Part ${i}. ${"lorem ipsum ".repeat(300)}`).join("\n\n");

const outbox = () => slackOutbox(slackApi(DEFAULT_SLACK_TOKEN, fake.url));

/** Send options of a later attempt that finds part `index` in flight since `since`. */
function retry(index: number, since: number, extra: Partial<SendOptions> = {}) {
  const delivered: number[] = [];
  const options: SendOptions = {
    deadline: Date.now() + 30_000,
    key: KEY,
    progress: { delivered: index, inFlight: { index, since } },
    // The last part's count comes with the completion (core/reply/send.ts).
    record: {
      ...noRecord,
      delivered: async (count) => void delivered.push(count),
      complete: async (count) => void (count === undefined || delivered.push(count)),
    },
    ...extra,
  };
  return { options, delivered };
}

/** The first attempt: posts the reply (or its first parts) and notes when. */
async function firstAttempt(reply: SlackReply, text = "the answer", key = KEY) {
  const since = Date.now();
  await sendAnswer(outbox(), reply, text, { deadline: Date.now() + 30_000, key });
  return since;
}

describe("metadata on every part", () => {
  test("event type, a short tag of the reply (not the envelope id itself) and the part's index", async () => {
    await firstAttempt(thread, LONG);
    expect(fake.messages.length).toBe(3);
    expect(fake.messages.map((m) => m.metadata)).toEqual(
      [0, 1, 2].map((part) => ({
        event_type: REPLY_EVENT_TYPE,
        event_payload: { reply: replyTag(KEY), part },
      })),
    );
    expect(replyTag(KEY)).toMatch(/^[0-9a-f]{16}$/);
    expect(replyTag("slack:Ev0000000002")).not.toBe(replyTag(KEY));
  });

  test("no key, no metadata (and nothing to look up)", async () => {
    await sendAnswer(outbox(), thread, "plain", { deadline: Date.now() + 30_000 });
    expect(fake.messages[0]?.metadata).toBeUndefined();
    const { options } = retry(0, Date.now());
    const { key: _key, ...noKey } = options;
    await sendAnswer(outbox(), thread, "plain", noKey);
    expect(fake.sent()).toEqual(["plain", "plain"]);
    expect(fake.callsOf("conversations.replies")).toHaveLength(0);
  });
});

describe("a part in flight", () => {
  test("in a thread, already posted: found with conversations.replies, not posted again, counted delivered", async () => {
    const since = await firstAttempt(thread);
    const { options, delivered } = retry(0, since);
    await sendAnswer(outbox(), thread, "the answer", options);
    expect(fake.sent()).toEqual(["the answer"]);
    expect(delivered).toEqual([1]);
    expect(fake.callsOf("conversations.replies").map((c) => c.params)).toEqual([
      {
        channel: "C0CHANNEL1",
        ts: PARENT,
        oldest: slackTsOf(since - CLOCK_SKEW_MS),
        include_all_metadata: "true",
        limit: String(LOOKUP_PAGE_SIZE),
      },
    ]);
  });

  test("found showing a stream's first words (the attempt died mid-stream, its answer not kept): edited to the answer, not posted again", async () => {
    const since = await firstAttempt(dm, "the fir");
    const { options, delivered } = retry(0, since);
    await sendAnswer(outbox(), dm, "the answer, whole", options);
    expect(fake.sent()).toEqual(["the answer, whole"]);
    expect(fake.messages).toHaveLength(1);
    expect(delivered).toEqual([1]);
  });

  test("at the top level of a DM: found with conversations.history", async () => {
    const since = await firstAttempt(dm);
    const { options, delivered } = retry(0, since);
    await sendAnswer(outbox(), dm, "the answer", options);
    expect(fake.sent()).toEqual(["the answer"]);
    expect(delivered).toEqual([1]);
    expect(fake.callsOf("conversations.history")[0]?.params).toMatchObject({
      channel: "D0DMCHAN01",
      include_all_metadata: "true",
    });
    expect(fake.callsOf("conversations.replies")).toHaveLength(0);
  });

  test("a later part: the found one is skipped, the rest follow once each", async () => {
    let posts = 0;
    fake.script("chat.postMessage", slackErrors.error("internal_error"), { when: () => ++posts === 3 });
    const since = Date.now();
    await expect(
      sendAnswer(outbox(), thread, LONG, { deadline: Date.now() + 30_000, key: KEY }),
    ).rejects.toBeInstanceOf(PlatformError);
    expect(fake.sent()).toHaveLength(2);
    const { options, delivered } = retry(1, since);
    await sendAnswer(outbox(), thread, LONG, options);
    expect(fake.messages.map((m) => m.metadata?.event_payload.part)).toEqual([0, 1, 2]);
    expect(delivered).toEqual([2, 3]);
  });

  test("not there (another reply's part 0, this reply's part 1 only): posted once", async () => {
    await firstAttempt(thread, "another answer", "slack:Ev0000000002");
    const since = Date.now();
    fake.addToThread("C0CHANNEL1", PARENT, {
      user: "U0BOT00001",
      text: "part 1",
      metadata: { event_type: REPLY_EVENT_TYPE, event_payload: { reply: replyTag(KEY), part: 1 } },
    });
    const { options, delivered } = retry(0, since);
    await sendAnswer(outbox(), thread, "the answer", options);
    expect(fake.sent("C0CHANNEL1", PARENT)).toEqual(["another answer", "the answer"]);
    expect(delivered).toEqual([1]);
    expect(logged("send.uncertain").map((line) => line.found)).toEqual([false]);
  });

  test("the read follows the cursor: found on the third page of a busy DM", async () => {
    const since = await firstAttempt(dm);
    const later = Math.floor(Date.now() / 1000) + 5;
    for (let i = 0; i < LOOKUP_PAGE_SIZE * 2 + 10; i++)
      fake.addToChannel("D0DMCHAN01", { user: "U0HUMAN001", ts: `${later}.${String(i).padStart(6, "0")}` });
    await sendAnswer(outbox(), dm, "the answer", retry(0, since).options);
    expect(fake.sent()).toEqual(["the answer"]);
    expect(fake.callsOf("conversations.history")).toHaveLength(3);
  });

  test(`more than ${MAX_LOOKUP_PAGES} pages since: cannot tell, so posted again`, async () => {
    const since = await firstAttempt(dm);
    const later = Math.floor(Date.now() / 1000) + 5;
    for (let i = 0; i < LOOKUP_PAGE_SIZE * MAX_LOOKUP_PAGES + 1; i++)
      fake.addToChannel("D0DMCHAN01", { user: "U0HUMAN001", ts: `${later}.${String(i).padStart(6, "0")}` });
    await sendAnswer(outbox(), dm, "the answer", retry(0, since).options);
    expect(fake.sent()).toEqual(["the answer", "the answer"]);
    expect(fake.callsOf("conversations.history")).toHaveLength(MAX_LOOKUP_PAGES);
    expect(logged("send.uncertain").map((line) => line.found)).toEqual(["cannot tell"]);
  });
});

describe("when Slack will not say", () => {
  const refusals = () => logged("slack.lookup_refused");

  test("refused (missing_scope, not_in_channel): posted again, each refusal logged once per container", async () => {
    const since = await firstAttempt(thread);
    const box = outbox();
    fake.script("conversations.replies", slackErrors.error("missing_scope"), { times: 2 });
    await sendAnswer(box, thread, "the answer", retry(0, since).options);
    await sendAnswer(box, thread, "the answer", retry(0, since).options);
    fake.script("conversations.history", slackErrors.error("not_in_channel"));
    await sendAnswer(box, dm, "the answer", retry(0, since).options);
    expect(fake.sent()).toEqual(["the answer", "the answer", "the answer", "the answer"]);
    expect(refusals().map((line) => line.reason)).toEqual(["missing_scope", "not_in_channel"]);
  });

  test("rate limited: waits Retry-After, then finds it", async () => {
    const since = await firstAttempt(thread);
    fake.script("conversations.replies", slackErrors.ratelimited(1));
    await sendAnswer(outbox(), thread, "the answer", retry(0, since).options);
    expect(fake.sent()).toEqual(["the answer"]);
    expect(fake.callsOf("conversations.replies")).toHaveLength(2);
  });

  test("Slack down, or rate limited past the deadline: an error to retry later, nothing posted", async () => {
    const since = await firstAttempt(thread);
    fake.script("conversations.replies", slackErrors.serverError(503));
    const { options, delivered } = retry(0, since);
    const down = await sendAnswer(outbox(), thread, "the answer", options).catch((e: unknown) => e);
    expect([(down as PlatformError).retryable, (down as PlatformError).method]).toEqual([
      true,
      "conversations.replies",
    ]);
    fake.script("conversations.replies", slackErrors.ratelimited(60));
    const limited = await sendAnswer(
      outbox(),
      thread,
      "the answer",
      retry(0, since, { deadline: Date.now() + 5_000 }).options,
    ).catch((e: unknown) => e);
    expect((limited as PlatformError).status).toBe(429);
    expect(fake.sent()).toEqual(["the answer"]);
    expect(delivered).toEqual([]);
    expect(refusals()).toHaveLength(0);
  });
});
