import { expect, test } from "bun:test";
import { lazy, lazyAsync } from "./lazy.ts";

test("lazy computes once", () => {
  let calls = 0;
  const get = lazy(() => ++calls);
  expect([get(), get()]).toEqual([1, 1]);
});

test("lazyAsync keeps a promise, makes it again after a failure or a reset", async () => {
  let calls = 0;
  const get = lazyAsync(async () => {
    calls++;
    if (calls === 1) throw new Error("transient");
    return calls;
  });
  await expect(get()).rejects.toThrow("transient");
  expect([await get(), await get()]).toEqual([2, 2]);
  get.reset();
  expect(await get()).toBe(3);
});
