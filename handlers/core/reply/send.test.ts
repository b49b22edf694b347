import { afterAll, beforeAll, expect, test } from "bun:test";
import { setEnv } from "../../../test/harness/env.ts";
import type { Outbox, Part } from "../adapter.ts";
import { OutOfTimeError } from "../budget.ts";
import { PlatformError } from "../errors.ts";
import { notices } from "../notices.ts";
import { firstPost, type Progress, type ReplyRecord, sendAnswer } from "./send.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

const THREE = "first part\n\nsecond part\n\nthird part";

/** A platform whose messages hold 16 characters: THREE is three parts. Records every call. */
function platform(extra: Partial<Outbox<object>> = {}) {
  const calls: string[] = [];
  const outbox: Outbox<object> = {
    render: (md) => md,
    limit: 16,
    typing: async () => {},
    post: async (_reply, part) => {
      calls.push(`post ${part.index} ${part.text}`);
      return `m${part.index}`;
    },
    edit: async (_reply, ref, part) => void calls.push(`edit ${ref} ${part.text}`),
    remove: async (_reply, ref) => void calls.push(`remove ${ref}`),
    ...extra,
  };
  return { outbox, calls };
}

/** A ledger record that logs what it is told. */
function recorder(seen: number[] = []) {
  const events: string[] = [];
  const record: ReplyRecord = {
    sending: async (index) => void events.push(`sending ${index}`),
    delivered: async (count) => void events.push(`delivered ${count}`),
    posted: async () => void events.push("posted"),
    seen: async () => seen,
    complete: async () => void events.push("complete"),
  };
  return { record, events };
}

const send = (outbox: Outbox<object>, record: ReplyRecord, progress?: Progress, markdown = THREE) =>
  sendAnswer(outbox, {}, markdown, {
    deadline: Date.now() + 10_000,
    key: "test:1",
    record,
    ...(progress ? { progress } : {}),
  });

test("each part recorded in flight before it is posted and delivered after; delivered parts skipped", async () => {
  const { outbox, calls } = platform();
  const { record, events } = recorder();
  await send(outbox, record, { delivered: 1 });
  expect(calls).toEqual(["post 1 second part", "post 2 third part"]);
  // The last part's delivery is recorded by "complete", which follows it directly (one write less).
  expect(events).toEqual(["sending 1", "delivered 2", "sending 2", "complete"]);
});

test("a part the answer's own record marked in flight is posted without a second mark; a later part is marked", async () => {
  const { outbox, calls } = platform();
  const { record, events } = recorder();
  await send(outbox, record, { delivered: 0, marked: 0 });
  expect(calls).toEqual(["post 0 first part", "post 1 second part", "post 2 third part"]);
  expect(events).toEqual(["delivered 1", "sending 1", "delivered 2", "sending 2", "complete"]);
});

test("firstPost: the first text part of an answer nothing of which is out; else none", () => {
  expect(firstPost({ delivered: 0 }, "hi", [])).toBe(0);
  expect(firstPost({ delivered: 0 }, "hi", [{}])).toBe(0);
  // A file first is fetched before it is marked; a stream's message is edited; a part in flight looked up.
  expect(firstPost({ delivered: 0 }, " ", [{}])).toBeUndefined();
  expect(firstPost({ delivered: 0, refs: ["m0"] }, "hi", [])).toBeUndefined();
  expect(firstPost({ delivered: 0, inFlight: { index: 0, since: 1 } }, "hi", [])).toBeUndefined();
  expect(firstPost({ delivered: 1 }, "hi", [])).toBeUndefined();
});

test("the last part's delivery is recorded on its own when posted parts beyond the answer are removed after it", async () => {
  const { outbox, calls } = platform();
  const { record, events } = recorder();
  // An earlier, longer answer left four messages; this one has three parts, the last not yet posted.
  await sendAnswer(outbox, {}, THREE, {
    deadline: Date.now() + 10_000,
    record,
    progress: { delivered: 2, refs: ["m0", "m1", undefined, "m3"] },
  });
  expect(calls).toEqual(["post 2 third part", "remove m3"]);
  expect(events).toEqual(["sending 2", "delivered 3", "complete"]);
});

test("a part left in flight: found on the platform → not posted again, edited to its text (a stream's first words may be there); not there or cannot tell → posted again", async () => {
  for (const [found, expected] of [
    ["m1", ["edit m1 second part", "post 2 third part"]],
    [false, ["post 1 second part", "post 2 third part"]],
    [undefined, ["post 1 second part", "post 2 third part"]],
  ] as const) {
    const looked: Part[] = [];
    const { outbox, calls } = platform({
      lookup: async (_reply, part) => {
        looked.push(part);
        return found;
      },
    });
    await send(outbox, recorder().record, { delivered: 1, inFlight: { index: 1, since: 0 } });
    expect(looked.map((p) => [p.index, p.key, p.text])).toEqual([[1, "test:1", "second part"]]);
    expect(calls).toEqual([...expected]);
  }
});

test("a part the platform confirmed (a status webhook in the ledger), then or a little later: not posted again", async () => {
  const { outbox, calls } = platform({ confirms: () => true });
  const confirmed = recorder();
  await send(outbox, confirmed.record, { delivered: 0, inFlight: { index: 0, since: 0 }, seen: [0] });
  expect(confirmed.events.slice(0, 1)).toEqual(["delivered 1"]);
  const later = recorder([0]);
  await send(outbox, later.record, { delivered: 0, inFlight: { index: 0, since: Date.now() } });
  expect(later.events.slice(0, 1)).toEqual(["delivered 1"]);
  expect(calls.filter((c) => c.startsWith("post 0"))).toEqual([]);
});

test("a stream's messages are edited to their final text (unless they show it), the rest posted, extra ones removed", async () => {
  const { outbox, calls } = platform();
  const { record, events } = recorder();
  await sendAnswer(outbox, {}, "first part\n\nsecond part", {
    deadline: Date.now() + 10_000,
    record,
    progress: { delivered: 0, refs: ["m0", "m1", "m2"] },
    shown: ["first part", "second"],
  });
  expect(calls).toEqual(["edit m1 second part", "remove m2"]);
  expect(events).toEqual(["complete"]);
});

test("an answer that renders to nothing is the 'no answer' notice", async () => {
  const { outbox, calls } = platform({ limit: 4096, render: (md) => (md.startsWith("```") ? "" : md) });
  await send(outbox, recorder().record, undefined, "```\n\n```");
  expect(calls).toEqual([`post 0 ${notices.empty}`]);
});

test("a post the platform refused leaves nothing in flight; one that timed out stays in flight", async () => {
  const refused = new PlatformError("test", "send", { status: 502, reason: "Bad Gateway", retryable: true });
  const timedOut = new PlatformError("test", "send", { reason: "timed out", retryable: true });
  for (const [error, expected] of [
    [refused, ["sending 0", "delivered 0"]],
    [new OutOfTimeError(), ["sending 0", "delivered 0"]],
    [timedOut, ["sending 0"]],
  ] as const) {
    const { outbox } = platform({
      post: async () => {
        throw error;
      },
    });
    const { record, events } = recorder();
    expect(await send(outbox, record).catch((e: unknown) => e)).toBe(error);
    expect(events).toEqual([...expected]);
  }
});

test("a 429 is waited out inside the deadline, by the core, for every channel", async () => {
  let tries = 0;
  const { outbox } = platform({
    post: async () => {
      if (++tries === 1)
        throw new PlatformError("test", "send", {
          status: 429,
          reason: "slow down",
          retryable: true,
          retryAfterSeconds: 0.05,
        });
      return undefined;
    },
  });
  await send(outbox, recorder().record, undefined, "one");
  expect(tries).toBe(2);
});

test("an answer with files records its last text part delivered before the first file goes in flight", async () => {
  const uploads: string[] = [];
  const { outbox, calls } = platform({
    file: async (_reply, part) => void uploads.push(`file ${part.index} ${part.name}`),
  });
  const { record, events } = recorder();
  const photo = { base64: "AQID", mime: "image/png", name: "p.png" };
  await sendAnswer(outbox, {}, THREE, {
    deadline: Date.now() + 10_000,
    key: "test:1",
    record,
    files: {
      list: [photo],
      load: async () => ({
        bytes: new Uint8Array([1, 2, 3]),
        mime: "image/png",
        name: "p.png",
        kind: "image",
        caption: undefined,
      }),
    },
  });
  expect(calls).toEqual(["post 0 first part", "post 1 second part", "post 2 third part"]);
  expect(uploads).toEqual(["file 3 p.png"]);
  // A crash while the file is in flight must not post "third part" again: its delivery is on record.
  expect(events).toEqual([
    "sending 0",
    "delivered 1",
    "sending 1",
    "delivered 2",
    "sending 2",
    "delivered 3",
    "sending 3",
    "delivered 4",
    "complete",
  ]);
});
