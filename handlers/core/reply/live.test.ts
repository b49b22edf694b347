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
) =>
  streamAnswer(
    pieces,
    outbox,
    {},
    {
      streaming,
      key: "t:1",
      record,
      progress: { delivered: 0 },
      deadline: Date.now() + 30_000,
    },
  );

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
      deadline: Date.now() + 30_000,
      record: noRecord,
      progress: { delivered: 0, refs: ["41", "42"] },
    },
  );
  expect(log().every((c) => c.startsWith("edit 41 "))).toBe(true);
});

test("a post an earlier attempt left in flight: taken over where the platform finds it, else posted anew", async () => {
  const retried = (lookup: Outbox<object>["lookup"]) => {
    const { outbox, log } = platform(lookup ? { lookup } : {});
    const { record, events } = recorder();
    const result = streamAnswer(
      agent(["new", " answer"], 60),
      outbox,
      {},
      {
        streaming: edits,
        key: "t:1",
        deadline: Date.now() + 30_000,
        record,
        progress: { delivered: 0, inFlight: { index: 0, since: 1 } },
      },
    );
    return { result, log, events };
  };
  // Found (the first words of the attempt that died): that message grows to the new answer.
  const found = retried(async () => "41");
  expect((await found.result).refs).toEqual(["41"]);
  expect(found.log().every((c) => c.startsWith("edit 41 "))).toBe(true);
  expect(found.events).toEqual(["posted 41"]);
  // Not there, or a platform that cannot tell: a new message.
  for (const lookup of [async () => false as const, undefined]) {
    const other = retried(lookup);
    expect((await other.result).refs).toEqual(["1"]);
    expect(other.log()[0]).toBe("post 0 new");
    expect(other.events.slice(0, 2)).toEqual(["sending 0", "posted 1"]);
  }
});

/** A platform that appends: start and append recorded beside post and edit. */
function appending(extra: Partial<Outbox<object>> = {}) {
  const p = platform({
    start: async (_reply, part, markdown) => {
      p.calls.push({ call: `start ${part.index} ${markdown}`, at: Date.now() });
      return `s${part.index}`;
    },
    append: async (_reply, ref, markdown) =>
      void p.calls.push({ call: `append ${ref} ${markdown}`, at: Date.now() }),
    ...extra,
  });
  return p;
}
const appends: Streaming = { mode: "append", everyMs: 50, fallback: edits };

test("append mode: started with the first clean Markdown, grown by deltas only; nothing open ever appended; the final edit left to the final step", async () => {
  const { outbox, log } = appending();
  const { record, events } = recorder();
  const result = await run(outbox, agent(["Hello ", "**wor", "ld** and", " more"], 70), appends, record);
  expect(result.text).toBe("Hello **world** and more");
  const calls = log();
  // Trailing whitespace waits for what follows it.
  expect(calls[0]).toBe("start 0 Hello");
  expect(calls.slice(1).every((c) => c.startsWith("append s0 "))).toBe(true);
  const appended = calls.slice(1).map((c) => c.replace(/^append s0 /, ""));
  // Together the calls spell a prefix of the answer, never an unclosed "**wor".
  const sent = `Hello${appended.join("")}`;
  expect(result.text.startsWith(sent)).toBe(true);
  expect(sent.length).toBeGreaterThan("Hello **world**".length);
  expect(appended.some((a) => a.includes("**wor") && !a.includes("**wor" + "ld**"))).toBe(false);
  expect(events).toEqual(["sending 0", "posted s0"]);
  expect(result.refs).toEqual(["s0"]);
  expect(result.shown[0]).toBeUndefined();
});

test("append refused (the outbox says so) before anything showed: the fallback posts and edits, and the outbox keeps to it", async () => {
  let refusals = 0;
  const refusal = new PlatformError("test", "start", {
    status: 200,
    reason: "unknown_method",
    retryable: false,
  });
  const { outbox, log } = appending({
    start: async () => {
      refusals++;
      throw refusal;
    },
  });
  const refusing: Streaming = { ...appends, refuses: (error) => error === refusal };
  await run(outbox, agent(["a ", "b ", "c"], 60), refusing);
  expect(log()[0]).toBe("post 0 a");
  await run(outbox, agent(["d ", "e"], 60), refusing);
  expect(refusals).toBe(1);
});

test("append mode: a part an earlier attempt started is edited, never appended to", async () => {
  const { outbox, log } = appending();
  await streamAnswer(
    agent(["new ", "answer ", "here"], 60),
    outbox,
    {},
    {
      streaming: appends,
      key: "t:1",
      deadline: Date.now() + 30_000,
      record: noRecord,
      progress: { delivered: 0, refs: ["old"] },
    },
  );
  expect(log().length).toBeGreaterThan(0);
  expect(log().every((c) => c.startsWith("edit old "))).toBe(true);
});
