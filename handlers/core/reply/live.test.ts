import { afterAll, beforeAll, expect, test } from "bun:test";
import { setEnv } from "../../../test/harness/env.ts";
import type { Outbox, Streaming } from "../adapter.ts";
import { AgentError, PlatformError } from "../errors.ts";
import { streamAnswer } from "./live.ts";
import { noRecord, type ReplyRecord } from "./send.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

/** The agent: `pieces`, `gapMs` apart; then `error`, if given. */
async function* agent(pieces: string[], gapMs = 0, error?: Error): AsyncGenerator<string> {
  for (const piece of pieces) {
    if (gapMs > 0) await Bun.sleep(gapMs);
    yield piece;
  }
  if (error) throw error;
}

/** A platform that records its calls (with when), its messages numbered from 1. */
function platform(extra: Partial<Outbox<object>> = {}) {
  const calls: { call: string; at: number }[] = [];
  let next = 0;
  const note = (call: string) => calls.push({ call, at: Date.now() });
  const outbox: Outbox<object> = {
    render: (md) => md,
    limit: 4096,
    typing: async () => {},
    post: async (_reply, part) => {
      note(`post ${part.index} ${part.text}`);
      return String(++next);
    },
    edit: async (_reply, ref, part) => void note(`edit ${ref} ${part.text}`),
    draft: async (_reply, part) => void note(`draft ${part.index} ${part.text}`),
    ...extra,
  };
  return { outbox, calls, log: () => calls.map((c) => c.call) };
}

const edits: Streaming = { mode: "edit", everyMs: 50 };
const drafts: Streaming = { mode: "draft", everyMs: 50, fallback: edits };

function recorder() {
  const events: string[] = [];
  const record: ReplyRecord = {
    ...noRecord,
    sending: async (index) => void events.push(`sending ${index}`),
    posted: async (refs) => void events.push(`posted ${refs.join(",")}`),
  };
  return { record, events };
}

const run = (
  outbox: Outbox<object>,
  pieces: AsyncIterable<string>,
  streaming: Streaming,
  record = noRecord,
) => streamAnswer(pieces, outbox, {}, { streaming, key: "t:1", record, progress: { delivered: 0 } });

test("edit mode: posted once it has text, edited as it grows at the pace asked for; the ledger told where it is", async () => {
  const { outbox, calls, log } = platform();
  const { record, events } = recorder();
  const result = await run(outbox, agent(["one", " two", " three", " four"], 30), edits, record);
  expect(result.text).toBe("one two three four");
  expect(log()[0]).toBe("post 0 one");
  expect(
    log()
      .slice(1)
      .every((c) => c.startsWith("edit 1 ")),
  ).toBe(true);
  for (let i = 1; i < calls.length; i++)
    expect((calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(45);
  expect(events).toEqual(["sending 0", "posted 1"]);
  expect(result.refs).toEqual(["1"]);
  expect(result.shown[0]).toBe(
    log()
      .at(-1)
      ?.replace(/^(post 0|edit 1) /, ""),
  );
});

test("draft mode: drafts only; the final message is the final step's", async () => {
  const { outbox, log } = platform();
  const result = await run(outbox, agent(["a", "b", "c"], 60), drafts);
  expect(log().every((c) => c.startsWith("draft 0 "))).toBe(true);
  expect(log().length).toBeGreaterThanOrEqual(2);
  expect(result.refs).toEqual([]);
});

test("an answer in one piece shows nothing live: the final step sends it", async () => {
  const { outbox, log } = platform();
  expect((await run(outbox, agent(["whole answer"]), edits)).text).toBe("whole answer");
  expect(log()).toEqual([]);
});

test("drafts refused (400) before anything showed: the fallback, and this outbox keeps to it", async () => {
  let refusals = 0;
  const { outbox, log } = platform({
    draft: async () => {
      refusals++;
      throw new PlatformError("test", "draft", {
        status: 400,
        reason: "TEXTDRAFT_PEER_INVALID",
        retryable: false,
      });
    },
  });
  await run(outbox, agent(["a", "b"], 60), drafts);
  expect(log()[0]).toBe("post 0 a");
  await run(outbox, agent(["c", "d"], 60), drafts);
  expect(refusals).toBe(1);
});

test("a 429: waited out, the pace halved; the newest state shown after it", async () => {
  let limited = false;
  const { outbox, calls, log } = platform({
    edit: async (_reply, ref, part) => {
      if (!limited) {
        limited = true;
        throw new PlatformError("test", "edit", {
          status: 429,
          reason: "slow down",
          retryable: true,
          retryAfterSeconds: 0.2,
        });
      }
      calls.push({ call: `edit ${ref} ${part.text}`, at: Date.now() });
    },
  });
  const started = Date.now();
  await run(outbox, agent(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], 60), edits);
  const edited = calls.filter((c) => c.call.startsWith("edit"));
  expect(edited.length).toBeGreaterThanOrEqual(1);
  expect((edited[0]?.at ?? 0) - started).toBeGreaterThanOrEqual(200);
  expect("abcdefghij").toStartWith(log().at(-1)?.replace("edit 1 ", "") ?? "-");
});

test("another platform failure ends the live updates; the agent is still read to its end", async () => {
  const { outbox, log } = platform({
    edit: async () => {
      throw new PlatformError("test", "edit", { status: 500, reason: "down", retryable: true });
    },
  });
  const result = await run(outbox, agent(["a", "b", "c"], 60), edits);
  expect(result.text).toBe("abc");
  expect(log()).toEqual(["post 0 a"]);
});

test("the agent failing mid-answer: its error, after what was shown (and recorded) stays", async () => {
  const { outbox, log } = platform();
  const { record, events } = recorder();
  const broken = new AgentError("StreamBroken", { retryable: true });
  const failed = await run(outbox, agent(["par", "tial"], 100, broken), edits, record).catch(
    (e: unknown) => e,
  );
  expect(failed).toBe(broken);
  expect(log()[0]).toBe("post 0 par");
  expect(events).toEqual(["sending 0", "posted 1"]);
});

test("the messages an earlier attempt posted are edited, not posted again", async () => {
  const { outbox, log } = platform();
  await streamAnswer(
    agent(["new", " answer"], 60),
    outbox,
    {},
    {
      streaming: edits,
      key: "t:1",
      record: noRecord,
      progress: { delivered: 0, refs: ["41", "42"] },
    },
  );
  expect(log().every((c) => c.startsWith("edit 41 "))).toBe(true);
});
