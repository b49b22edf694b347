import { expect, test } from "bun:test";
import { withEnv } from "../../../test/harness/env.ts";
import { AwsServiceError, TimeoutError } from "./errors.ts";
import { errorKind, maxAttempts, RetryPolicy } from "./retry.ts";

const answer = (name: string, status: number, code?: string) =>
  new AwsServiceError(name, "m", { metadata: { httpStatusCode: status }, ...(code ? { code } : {}) });

test("errors are filed as the SDK files them: throttling, transient, or neither", () => {
  expect(errorKind(answer("ThrottlingException", 400))).toBe("throttling");
  expect(errorKind(answer("Anything", 429))).toBe("throttling");
  expect(errorKind(answer("RequestThrottled", 400, "RequestThrottled"))).toBe("throttling");
  for (const status of [500, 502, 503, 504]) expect(errorKind(answer("X", status))).toBe("transient");
  expect(errorKind(new TimeoutError(5))).toBe("transient");
  expect(errorKind(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe("transient");
  expect(errorKind(new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } }))).toBe("transient");
  expect(errorKind(answer("AccessDeniedException", 400))).toBe("other");
  expect(errorKind(answer("NotImplemented", 501))).toBe("other");
  expect(errorKind(Object.assign(new Error("aborted"), { name: "AbortError", code: "ECONNRESET" }))).toBe(
    "other",
  );
});

test("back-off: full jitter under 50 ms × 2^n (1 s for throttling), at least a Retry-After, within the attempts", async () => {
  await withEnv({ AWS_MAX_ATTEMPTS: undefined }, () => {
    expect(maxAttempts()).toBe(3);
    for (let i = 0; i < 20; i++) {
      const policy = new RetryPolicy();
      expect(policy.delayMs("transient", 1, undefined)).toBeLessThan(100);
      expect(policy.delayMs("throttling", 0, undefined)).toBeLessThan(1_000);
    }
    const policy = new RetryPolicy();
    expect(policy.delayMs("transient", 0, 3_000)).toBeGreaterThanOrEqual(3_000);
    expect(policy.delayMs("transient", 2, undefined)).toBeUndefined();
    expect(policy.delayMs("other", 0, undefined)).toBeUndefined();
  });
  await withEnv({ AWS_MAX_ATTEMPTS: "1" }, () =>
    expect(new RetryPolicy().delayMs("transient", 0, undefined)).toBeUndefined(),
  );
});

test("the quota: 500, a retry costs 14 (5 after throttling); a success gives back what its retry took", async () => {
  await withEnv({ AWS_MAX_ATTEMPTS: undefined }, quota);
});

function quota() {
  const policy = new RetryPolicy();
  const delays = Array.from({ length: 40 }, () => policy.delayMs("transient", 0, undefined));
  expect(delays.filter((d) => d !== undefined)).toHaveLength(35); // 35 × 14 = 490, 10 left
  expect(policy.delayMs("throttling", 0, undefined)).toBeNumber(); // 5 left
  expect(policy.delayMs("throttling", 0, undefined)).toBeNumber(); // 0 left
  expect(policy.delayMs("throttling", 0, undefined)).toBeUndefined();
  for (let i = 0; i < 3; i++) policy.recordSuccess(true); // 3 × 5 back
  expect(policy.delayMs("transient", 0, undefined)).toBeNumber(); // 15 ≥ 14
}
