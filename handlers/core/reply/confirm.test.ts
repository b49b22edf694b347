import { expect, test } from "bun:test";
import { awaitStatus, type Clock } from "./confirm.ts";

/** A ledger read that turns true on read number `at` (never, by default), counting the reads. */
function seenOn(at = Number.POSITIVE_INFINITY) {
  let reads = 0;
  const seen = async () => ++reads >= at;
  return { seen, reads: () => reads };
}

const NOW = 1_700_000_000_000;

/** Virtual time: a sleep moves the clock by exactly its length, so the waits below are exact. */
function virtualClock(): Clock & { slept: number[] } {
  let now = NOW;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const FAST = { windowMs: 300, pollMs: 20, reserveMs: 0 };

test("a status that arrives within the window confirms the chunk at once", async () => {
  const ledger = seenOn(3);
  const clock = virtualClock();
  expect(await awaitStatus(ledger.seen, NOW, NOW + 10_000, { ...FAST, clock })).toBe(true);
  expect(ledger.reads()).toBe(3);
  expect(clock.now() - NOW).toBe(60);
});

test("no status: it waits out the window after the send, reading every poll interval, then cannot tell", async () => {
  const ledger = seenOn();
  const clock = virtualClock();
  // The earlier attempt sent 100 ms ago: 200 ms of the window are left.
  expect(await awaitStatus(ledger.seen, NOW - 100, NOW + 10_000, { ...FAST, clock })).toBeUndefined();
  expect(clock.now() - NOW).toBe(200);
  expect(ledger.reads()).toBe(10);
  expect(clock.slept.every((ms) => ms === 20)).toBe(true);
});

test("a window that is over: no wait, cannot tell", async () => {
  const ledger = seenOn(1);
  const clock = virtualClock();
  expect(await awaitStatus(ledger.seen, NOW - 31_000, NOW + 60_000, { clock })).toBeUndefined();
  expect(ledger.reads()).toBe(0);
  expect(clock.slept).toEqual([]);
});

test("a deadline nearer than the reserve: the wait takes at most half the time left", async () => {
  const ledger = seenOn();
  const clock = virtualClock();
  expect(await awaitStatus(ledger.seen, NOW, NOW + 400, { pollMs: 20, clock })).toBeUndefined();
  expect(clock.now() - NOW).toBe(200);
});

test("the deadline cuts the wait short, keeping the reserve for the send; the last sleep is what is left", async () => {
  const ledger = seenOn();
  const clock = virtualClock();
  await awaitStatus(ledger.seen, NOW, NOW + 150, { windowMs: 30_000, pollMs: 40, reserveMs: 50, clock });
  expect(clock.now() - NOW).toBe(100);
  expect(clock.slept).toEqual([40, 40, 20]);
});

test("the real clock: a short wait sleeps and ends", async () => {
  const ledger = seenOn(2);
  const now = Date.now();
  expect(await awaitStatus(ledger.seen, now, now + 10_000, FAST)).toBe(true);
  expect(Date.now() - now).toBeGreaterThanOrEqual(30);
});

test("a failing ledger read is not swallowed (the message is retried and looks again)", async () => {
  const failing = async (): Promise<boolean> => {
    throw new Error("ledger down");
  };
  await expect(awaitStatus(failing, NOW, NOW + 10_000, { ...FAST, clock: virtualClock() })).rejects.toThrow(
    "ledger down",
  );
});
