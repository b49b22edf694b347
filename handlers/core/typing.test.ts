import { afterEach, beforeEach, expect, jest, spyOn, test } from "bun:test";
import { keepTyping } from "./typing.ts";

// The interval runs on Bun's fake timers: the test moves the clock, so a loaded machine cannot make a
// tick come late or early.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("shows the indicator at once and again every interval until stopped, then never again", () => {
  let shown = 0;
  const stop = keepTyping(async () => {
    shown++;
  }, 20);
  expect(shown).toBe(1);
  jest.advanceTimersByTime(19);
  expect(shown).toBe(1);
  jest.advanceTimersByTime(1);
  expect(shown).toBe(2);
  jest.advanceTimersByTime(40);
  expect(shown).toBe(4);
  stop();
  jest.advanceTimersByTime(1_000);
  expect(shown).toBe(4);
});

test("a failing indicator never throws into the caller: each failure is logged at debug level and it goes on", async () => {
  const debug = spyOn(console, "debug").mockImplementation(() => {});
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = "debug";
  try {
    let calls = 0;
    const stop = keepTyping(() => {
      calls++;
      return Promise.reject(Object.assign(new Error("429"), { name: "PlatformError" }));
    }, 10);
    jest.advanceTimersByTime(25);
    stop();
    // Let the rejections settle: each is caught and logged, none escapes.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await Promise.resolve();
    expect(calls).toBe(3);
    const lines = debug.mock.calls.map((args) => JSON.parse(String(args[0])));
    expect(lines.map((line) => [line.event, line.errorName])).toEqual([
      ["typing.failed", "PlatformError"],
      ["typing.failed", "PlatformError"],
      ["typing.failed", "PlatformError"],
    ]);
  } finally {
    if (level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = level;
    debug.mockRestore();
  }
});

test("stopping resolves once the indicator call in flight is over", async () => {
  let finish = () => {};
  const stop = keepTyping(() => new Promise<void>((resolve) => (finish = resolve)), 20);
  let stopped = false;
  const stopping = stop().then(() => {
    stopped = true;
  });
  await Promise.resolve();
  expect(stopped).toBe(false);
  finish();
  await stopping;
  expect(stopped).toBe(true);
});
