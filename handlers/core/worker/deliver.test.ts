import { afterAll, beforeAll, expect, test } from "bun:test";
import { setEnv } from "../../../test/harness/env.ts";
import type { Outbox } from "../adapter.ts";
import type { LedgerEntry, SendLedger } from "../ledger.ts";
import { deliverOnce } from "./deliver.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());

const blank: LedgerEntry = {
  text: undefined,
  delivered: 0,
  complete: false,
  inFlight: undefined,
  seen: [],
  burst: 1,
  refs: [],
};

/** A ledger in memory that records each call. */
function memoryLedger(start?: LedgerEntry) {
  let entry = start;
  const calls: string[] = [];
  const ledger: SendLedger = {
    get: async () => entry,
    answered: async (_id, text, burst = 1, _files = [], sending = undefined) => {
      // The first part's in-flight mark, written with the answer (issue 21).
      const marked = sending === undefined ? "" : `, sending ${sending}`;
      calls.push(burst > 1 ? `answered ${text} (${burst})${marked}` : `answered ${text}${marked}`);
      entry = { ...blank, ...entry, text };
    },
    posted: async (_id, refs) => void calls.push(`posted ${refs.join(",")}`),
    sending: async (_id, index) => void calls.push(`sending ${index}`),
    delivered: async (_id, count) => void calls.push(`delivered ${count}`),
    seen: async () => {},
    // The reply's own completion carries its part count (the last part's delivery, issue 21).
    complete: async (id, delivered) =>
      void calls.push(id === "t:1" ? `complete (${delivered} delivered)` : `complete ${id}`),
  };
  return { ledger, calls };
}

/** An outbox that posts parts of up to 16 characters, recording them. */
function recordingOutbox() {
  const posted: string[] = [];
  const outbox: Outbox<object> = {
    render: (md) => md,
    limit: 16,
    typing: async () => {},
    post: async (_reply, part) => {
      const buttons = part.buttons ? ` [${part.buttons.map((b) => b.command).join(", ")}]` : "";
      posted.push(`${part.key}#${part.index}: ${part.text}${buttons}`);
      return undefined;
    },
  };
  return { outbox, posted };
}

const TWO_PARTS = "the first part\n\nthe second part";

test("a first delivery: composed once, recorded before it goes out, each part told, then complete", async () => {
  const { ledger, calls } = memoryLedger();
  const { outbox, posted } = recordingOutbox();
  await deliverOnce(
    ledger,
    "t:1",
    async () => TWO_PARTS,
    { outbox, reply: {}, stream: true },
    Date.now() + 10_000,
  );
  expect(calls).toEqual([
    // Nothing out yet: the first part's in-flight mark goes with the answer (one write, issue 21).
    `answered ${TWO_PARTS}, sending 0`,
    "delivered 1",
    "sending 1",
    "complete (2 delivered)",
  ]);
  expect(posted).toEqual(["t:1#0: the first part", "t:1#1: the second part"]);
});

test("nothing to say: nothing recorded, nothing sent", async () => {
  const { ledger, calls } = memoryLedger();
  const { outbox, posted } = recordingOutbox();
  await deliverOnce(ledger, "t:1", async () => undefined, { outbox, reply: {}, stream: true }, 0);
  expect(calls).toEqual([]);
  expect(posted).toEqual([]);
});

test("answered already: neither composed nor sent again", async () => {
  const { ledger, calls } = memoryLedger({ ...blank, delivered: 2, complete: true });
  const { outbox, posted } = recordingOutbox();
  await deliverOnce(
    ledger,
    "t:1",
    () => Promise.reject(new Error("not asked")),
    { outbox, reply: {}, stream: true },
    0,
  );
  expect([calls, posted]).toEqual([[], []]);
});

test("partly delivered: the rest of the same answer, not composed again; the part left in flight posted again where the platform cannot tell", async () => {
  const { ledger, calls } = memoryLedger({
    ...blank,
    text: TWO_PARTS,
    delivered: 1,
    inFlight: { index: 1, since: 50 },
  });
  const { outbox, posted } = recordingOutbox();
  await deliverOnce(
    ledger,
    "t:1",
    () => Promise.reject(new Error("not asked")),
    { outbox, reply: {}, stream: true },
    Date.now() + 10_000,
  );
  expect(posted).toEqual(["t:1#1: the second part"]);
  expect(calls).toEqual(["sending 1", "complete (2 delivered)"]);
});

test("a part in flight that the platform confirmed (a status the ingress recorded) is not posted again", async () => {
  const { ledger, calls } = memoryLedger({
    ...blank,
    text: TWO_PARTS,
    delivered: 1,
    inFlight: { index: 1, since: 50 },
    seen: [1],
  });
  const { outbox, posted } = recordingOutbox();
  await deliverOnce(
    ledger,
    "t:1",
    async () => "new",
    { outbox, reply: {}, stream: true },
    Date.now() + 10_000,
  );
  expect(posted).toEqual([]);
  expect(calls).toEqual(["complete (2 delivered)"]);
});

test("a burst: its other messages are marked answered once the text is recorded, before any part goes out", async () => {
  const { ledger, calls } = memoryLedger();
  const { outbox } = recordingOutbox();
  const to = { outbox, reply: {}, stream: true };
  await deliverOnce(ledger, "t:1", async () => "merged", to, Date.now() + 10_000, {
    members: ["t:2", "t:3"],
  });
  expect(calls).toEqual([
    "answered merged (3), sending 0",
    "complete t:2",
    "complete t:3",
    "complete (1 delivered)",
  ]);
});

test("buttons go under the last part only", async () => {
  const { ledger } = memoryLedger();
  const { outbox, posted } = recordingOutbox();
  const buttons = [
    { label: "Allow", command: "/allow K7" },
    { label: "Deny", command: "/deny K7" },
  ];
  await deliverOnce(
    ledger,
    "t:1",
    async () => TWO_PARTS,
    { outbox, reply: {}, stream: false },
    Date.now() + 10_000,
    {
      buttons,
    },
  );
  expect(posted).toEqual(["t:1#0: the first part", "t:1#1: the second part [/allow K7, /deny K7]"]);
});
