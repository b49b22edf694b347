import { expect, test } from "bun:test";
import { setEnv, withEnv } from "./env.ts";

test("setEnv restores, withEnv restores after a rejection", async () => {
  process.env.HARNESS_KEEP = "kept";
  const restore = setEnv({ HARNESS_NEW: "1", HARNESS_KEEP: undefined });
  expect(process.env.HARNESS_NEW).toBe("1");
  expect(process.env.HARNESS_KEEP).toBeUndefined();
  restore();
  expect(process.env.HARNESS_NEW).toBeUndefined();
  expect(process.env.HARNESS_KEEP).toBe("kept");
  await expect(
    withEnv({ HARNESS_KEEP: "temp" }, async () => {
      expect(process.env.HARNESS_KEEP).toBe("temp");
      throw new Error("inner");
    }),
  ).rejects.toThrow("inner");
  expect(process.env.HARNESS_KEEP).toBe("kept");
  delete process.env.HARNESS_KEEP;
});
