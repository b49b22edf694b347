import { afterAll, beforeAll, expect, test } from "bun:test";
import { useCoreTable } from "../../test/harness/dynamodb.ts";
import { dynamoLedger, LedgerError } from "./ledger.ts";

let restore: () => void;

beforeAll(async () => {
  restore = await useCoreTable("relay-ledger");
});
afterAll(() => restore());

test("an envelope goes from unknown to answered, partly delivered, complete — and the text is dropped", async () => {
  const ledger = dynamoLedger("relay-ledger");
  expect(await ledger.get("telegram:1")).toBeUndefined();
  await ledger.answered("telegram:1", "the answer");
  const entry = {
    text: "the answer",
    delivered: 0,
    complete: false,
    inFlight: undefined,
    seen: [],
    burst: 1,
    refs: [],
  };
  expect(await ledger.get("telegram:1")).toEqual(entry);
  const before = Date.now();
  await ledger.sending("telegram:1", 0);
  const inFlight = (await ledger.get("telegram:1"))?.inFlight;
  expect(inFlight?.index).toBe(0);
  expect(inFlight?.since).toBeGreaterThanOrEqual(before);
  await ledger.delivered("telegram:1", 2);
  expect(await ledger.get("telegram:1")).toEqual({ ...entry, delivered: 2 });
  await ledger.sending("telegram:1", 2);
  await ledger.complete("telegram:1");
  expect(await ledger.get("telegram:1")).toEqual({ ...entry, text: undefined, delivered: 2, complete: true });
});

test("the answer and its first part's in-flight mark in one write", async () => {
  const ledger = dynamoLedger("relay-ledger");
  const before = Date.now();
  await ledger.answered("telegram:3", "the answer", 1, [], 0);
  const entry = await ledger.get("telegram:3");
  expect(entry).toMatchObject({ text: "the answer", delivered: 0, complete: false });
  expect(entry?.inFlight?.index).toBe(0);
  expect(entry?.inFlight?.since).toBeGreaterThanOrEqual(before);
});

test("a stream's messages: recorded as posted (nothing in flight then), kept when the answer is, dropped when complete", async () => {
  const ledger = dynamoLedger("relay-ledger");
  await ledger.sending("telegram:2", 0);
  await ledger.posted("telegram:2", ["41"]);
  await ledger.sending("telegram:2", 1);
  expect((await ledger.get("telegram:2"))?.inFlight?.index).toBe(1);
  await ledger.posted("telegram:2", ["41", undefined, "43"]);
  const streamed = await ledger.get("telegram:2");
  expect(streamed).toMatchObject({ text: undefined, complete: false, inFlight: undefined });
  expect(streamed?.refs).toEqual(["41", undefined, "43"]);
  await ledger.answered("telegram:2", "the whole answer");
  expect(await ledger.get("telegram:2")).toMatchObject({
    text: "the whole answer",
    refs: ["41", undefined, "43"],
  });
  await ledger.complete("telegram:2");
  expect(await ledger.get("telegram:2")).toMatchObject({ text: undefined, complete: true, refs: [] });
});

test("a confirmation from the platform is kept per chunk, and only for envelopes the ledger knows", async () => {
  const ledger = dynamoLedger("relay-ledger");
  await ledger.answered("whatsapp:1", "the answer");
  await ledger.seen("whatsapp:1", 1);
  await ledger.seen("whatsapp:1", 0);
  await ledger.seen("whatsapp:1", 1);
  expect((await ledger.get("whatsapp:1"))?.seen.toSorted()).toEqual([0, 1]);
  await ledger.seen("whatsapp:unknown", 0);
  expect(await ledger.get("whatsapp:unknown")).toBeUndefined();
});

test("a missing table is a retryable LedgerError", async () => {
  const error = await dynamoLedger("no-such-table")
    .get("x")
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LedgerError);
  expect((error as LedgerError).retryable).toBe(true);
});
