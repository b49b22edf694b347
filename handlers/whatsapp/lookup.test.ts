import { expect, test } from "bun:test";
import { awaitStatus } from "./lookup.ts";

/** A ledger read that turns true on read number `at` (never, by default), counting the reads. */
function seenOn(at = Number.POSITIVE_INFINITY) {
  let reads = 0;
  const seen = async () => ++reads >= at;
  return { seen, reads: () => reads };
}

const FAST = { windowMs: 300, pollMs: 20, reserveMs: 0 };

test("a status that arrives within the window confirms the chunk at once", async () => {
  const ledger = seenOn(3);
  const started = Date.now();
  expect(await awaitStatus(ledger.seen, started, started + 10_000, FAST)).toBe(true);
  expect(ledger.reads()).toBe(3);
  expect(Date.now() - started).toBeLessThan(200);
});

test("no status: it waits out the window after the send, reading every poll interval, then cannot tell", async () => {
  const ledger = seenOn();
  const sentAt = Date.now() - 100; // the earlier attempt sent 100 ms ago: 200 ms of the window are left
  const started = Date.now();
  expect(await awaitStatus(ledger.seen, sentAt, started + 10_000, FAST)).toBeUndefined();
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(190);
  expect(waited).toBeLessThan(290);
  expect(ledger.reads()).toBeGreaterThanOrEqual(5);
  expect(ledger.reads()).toBeLessThanOrEqual(11);
});

test("a window that is over: no wait, cannot tell", async () => {
  const ledger = seenOn(1);
  const now = Date.now();
  expect(await awaitStatus(ledger.seen, now - 31_000, now + 60_000)).toBeUndefined();
  expect(ledger.reads()).toBe(0);
});

test("a deadline nearer than the reserve: the wait takes at most half the time left", async () => {
  const ledger = seenOn();
  const now = Date.now();
  expect(await awaitStatus(ledger.seen, now, now + 400, { pollMs: 20 })).toBeUndefined();
  const waited = Date.now() - now;
  expect(waited).toBeGreaterThanOrEqual(150);
  expect(waited).toBeLessThan(300);
});

test("the deadline cuts the wait short, keeping the reserve for the send", async () => {
  const ledger = seenOn();
  const now = Date.now();
  await awaitStatus(ledger.seen, now, now + 150, { windowMs: 30_000, pollMs: 20, reserveMs: 50 });
  expect(Date.now() - now).toBeLessThan(150);
  expect(Date.now() - now).toBeGreaterThanOrEqual(90);
});

test("a failing ledger read is not swallowed (the message is retried and looks again)", async () => {
  const now = Date.now();
  const failing = async (): Promise<boolean> => {
    throw new Error("ledger down");
  };
  await expect(awaitStatus(failing, now, now + 10_000, FAST)).rejects.toThrow("ledger down");
});
