import { afterAll, beforeAll, expect, test } from "bun:test";
import { setEnv } from "../../../test/harness/env.ts";
import type { SendOptions } from "../adapter.ts";
import type { LedgerEntry, SendLedger } from "../ledger.ts";
import { deliverOnce } from "./deliver.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());

/** A ledger in memory that records each call. */
function memoryLedger(start?: LedgerEntry) {
  let entry = start;
  const calls: string[] = [];
  const ledger: SendLedger = {
    get: async () => entry,
    answered: async (_id, text) => {
      calls.push(`answered ${text}`);
      entry = { text, delivered: 0, complete: false, inFlight: undefined, seen: [], parts: 1 };
    },
    sending: async (_id, index) => void calls.push(`sending ${index}`),
    delivered: async (_id, count) => void calls.push(`delivered ${count}`),
    seen: async () => {},
    complete: async () => void calls.push("complete"),
  };
  return { ledger, calls };
}

/** A send that records its options and reports one chunk through the ledger hooks. */
function recordingSend() {
  const sent: { text: string; options: SendOptions }[] = [];
  const send = async (text: string, options: SendOptions) => {
    sent.push({ text, options });
    await options.sending?.(options.skip ?? 0);
    await options.delivered?.((options.skip ?? 0) + 1);
  };
  return { send, sent };
}

test("a first delivery: composed once, recorded before it goes out, each chunk told, then complete", async () => {
  const { ledger, calls } = memoryLedger();
  const { send, sent } = recordingSend();
  await deliverOnce(ledger, "t:1", async () => "the answer", send, 123);
  expect(calls).toEqual(["answered the answer", "sending 0", "delivered 1", "complete"]);
  expect(sent.map((s) => [s.text, s.options.key, s.options.skip, s.options.deadline])).toEqual([
    ["the answer", "t:1", 0, 123],
  ]);
});

test("nothing to say: nothing recorded, nothing sent", async () => {
  const { ledger, calls } = memoryLedger();
  const { send, sent } = recordingSend();
  await deliverOnce(ledger, "t:1", async () => undefined, send, 0);
  expect(calls).toEqual([]);
  expect(sent).toEqual([]);
});

test("answered already: neither composed nor sent again", async () => {
  const { ledger, calls } = memoryLedger({
    text: undefined,
    delivered: 2,
    complete: true,
    inFlight: undefined,
    seen: [],
    parts: 1,
  });
  const { send, sent } = recordingSend();
  await deliverOnce(ledger, "t:1", () => Promise.reject(new Error("not asked")), send, 0);
  expect([calls, sent]).toEqual([[], []]);
});

test("partly delivered: the rest of the same answer, the chunk left in flight marked uncertain", async () => {
  const { ledger } = memoryLedger({
    text: "kept",
    delivered: 1,
    complete: false,
    inFlight: { index: 1, since: 50 },
    seen: [1],
    parts: 1,
  });
  const { send, sent } = recordingSend();
  await deliverOnce(ledger, "t:1", () => Promise.reject(new Error("not asked")), send, 0);
  const [first] = sent;
  expect(first?.text).toBe("kept");
  expect(first?.options.skip).toBe(1);
  expect(first?.options.uncertain).toMatchObject({ index: 1, since: 50, seen: true });
  expect(await first?.options.uncertain?.recheck()).toBe(true);
});

test("a chunk in flight that is not the next one to send is not uncertain", async () => {
  const { ledger } = memoryLedger({
    text: "kept",
    delivered: 2,
    complete: false,
    inFlight: { index: 1, since: 50 },
    seen: [],
    parts: 1,
  });
  const { send, sent } = recordingSend();
  await deliverOnce(ledger, "t:1", async () => "new", send, 0);
  expect(sent[0]?.options).not.toHaveProperty("uncertain");
});
