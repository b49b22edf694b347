import { expect, test } from "bun:test";
import { PlatformError } from "./errors.ts";
import { retryWhenRateLimited } from "./rate-limit.ts";

const limited = (seconds: number) =>
  new PlatformError("fake", "send", {
    status: 429,
    reason: "slow down",
    retryable: true,
    retryAfterSeconds: seconds,
  });

test("waits retry_after and calls again", async () => {
  let calls = 0;
  const started = Date.now();
  const result = await retryWhenRateLimited(async () => {
    calls++;
    if (calls === 1) throw limited(0.05);
    return "sent";
  }, Date.now() + 5_000);
  expect(result).toBe("sent");
  expect(calls).toBe(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
});

test("gives up when the wait would pass the deadline, or after maxWaits", async () => {
  await expect(
    retryWhenRateLimited(async () => Promise.reject(limited(10)), Date.now() + 1_000),
  ).rejects.toThrow(PlatformError);
  let calls = 0;
  await expect(
    retryWhenRateLimited(
      async () => {
        calls++;
        throw limited(0);
      },
      Date.now() + 1_000,
      2,
    ),
  ).rejects.toThrow(PlatformError);
  expect(calls).toBe(3);
});

test("other errors go up at once", async () => {
  let calls = 0;
  await expect(
    retryWhenRateLimited(async () => {
      calls++;
      throw new Error("nope");
    }, Date.now() + 1_000),
  ).rejects.toThrow("nope");
  expect(calls).toBe(1);
});
