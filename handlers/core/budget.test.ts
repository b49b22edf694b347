import { afterEach, expect, jest, test } from "bun:test";
import {
  callSignal,
  callTimeoutMs,
  closingMs,
  closingTimeoutMs,
  OutOfTimeError,
  withinBudget,
} from "./budget.ts";

afterEach(() => jest.useRealTimers());

/** Holds the clock at `now` (Date.now() does not move unless the test moves it). */
function clockAt(now: number): void {
  jest.useFakeTimers();
  jest.setSystemTime(now);
}

test("the closing time is a tenth of the invocation, at least 0.5 s and at most 5 s", () => {
  expect(closingMs(3_000)).toBe(500);
  expect(closingMs(30_000)).toBe(3_000);
  expect(closingMs(900_000)).toBe(5_000);
});

test("outside an invocation a call gets its own timeout, and its signal aborts after it", async () => {
  expect(callTimeoutMs(20)).toBe(20);
  expect(closingTimeoutMs(20)).toBe(20);
  const started = performance.now();
  const signal = callSignal(20);
  expect(signal.aborted).toBe(false);
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  // Timers never fire early; how late they fire depends on the machine, so only the lower bound is checked.
  expect(performance.now() - started).toBeGreaterThanOrEqual(15);
});

test("within an invocation a call ends when the platform calls must, and is not started too late", async () => {
  const start = 1_700_000_000_000;
  clockAt(start);
  // 600 ms left: 500 ms of closing time, so platform calls end at +100 and closing calls at +350.
  await withinBudget(start + 600, async (callsUntil) => {
    expect(callsUntil).toBe(start + 100);
    expect(() => callTimeoutMs(10_000)).toThrow(OutOfTimeError);
    expect(closingTimeoutMs(10_000)).toBe(350);
    jest.setSystemTime(start + 500);
    expect(closingTimeoutMs(10_000)).toBe(0);
  });
  jest.setSystemTime(start);
  // 2 s left: platform calls until +1.5 s; a call is not started with less than 200 ms left.
  await withinBudget(start + 2_000, async () => {
    expect(callTimeoutMs(10_000)).toBe(1_500);
    expect(callTimeoutMs(300)).toBe(300);
    jest.setSystemTime(start + 1_100);
    expect(callTimeoutMs(10_000)).toBe(400);
    jest.setSystemTime(start + 1_301);
    expect(() => callTimeoutMs(10_000)).toThrow(OutOfTimeError);
    expect(closingTimeoutMs(10_000)).toBe(449);
  });
});
