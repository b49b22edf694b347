import { expect, test } from "bun:test";
import { callSignal, closingMs, closingSignal, OutOfTimeError, withinBudget } from "./budget.ts";

test("the closing time is a tenth of the invocation, at least 0.5 s and at most 5 s", () => {
  expect(closingMs(3_000)).toBe(500);
  expect(closingMs(30_000)).toBe(3_000);
  expect(closingMs(900_000)).toBe(5_000);
});

test("outside an invocation a call gets its own timeout", async () => {
  const signal = callSignal(20);
  expect(signal.aborted).toBe(false);
  await Bun.sleep(40);
  expect(signal.aborted).toBe(true);
});

test("within an invocation a call ends when the platform calls must, and is not started too late", async () => {
  await withinBudget(Date.now() + 600, async (callsUntil) => {
    expect(callsUntil).toBeLessThanOrEqual(Date.now() + 100);
    expect(() => callSignal(10_000)).toThrow(OutOfTimeError);
    // AWS calls of the closing time still run, ending before the invocation does.
    const closing = closingSignal(10_000);
    expect(closing.aborted).toBe(false);
    await Bun.sleep(600);
    expect(closing.aborted).toBe(true);
  });
  await withinBudget(Date.now() + 2_000, async () => {
    const signal = callSignal(10_000);
    await Bun.sleep(1_100);
    expect(signal.aborted).toBe(false);
    await Bun.sleep(500);
    expect(signal.aborted).toBe(true);
  });
});
