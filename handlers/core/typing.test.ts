import { expect, test } from "bun:test";
import { keepTyping } from "./typing.ts";

test("shows the indicator at once and again every interval until stopped", async () => {
  let shown = 0;
  const stop = keepTyping(async () => {
    shown++;
  }, 20);
  expect(shown).toBe(1);
  await Bun.sleep(70);
  stop();
  const atStop = shown;
  expect(atStop).toBeGreaterThanOrEqual(3);
  await Bun.sleep(50);
  expect(shown).toBe(atStop);
});

test("a failing indicator never throws into the caller", async () => {
  const stop = keepTyping(() => Promise.reject(new Error("429")), 10);
  await Bun.sleep(30);
  stop();
});
