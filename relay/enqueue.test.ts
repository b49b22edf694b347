import { afterAll, beforeAll, expect, test } from "bun:test";
import { sampleEnvelope } from "../test/fixtures.ts";
import { setEnv } from "../test/harness/env.ts";
import { enqueueDurably } from "./enqueue.ts";

let restore: () => void;
beforeAll(() => {
  restore = setEnv({
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    LOG_LEVEL: "error",
  });
});
afterAll(() => restore());

const QUEUE = "http://127.0.0.1:9/000000000000/relay.fifo"; // nothing listens on port 9

test("a message SQS can never take is given up at once, not retried for minutes", async () => {
  const started = Date.now();
  const huge = { ...sampleEnvelope, text: "x".repeat(300_000) };
  expect(await enqueueDurably(QUEUE, huge, { budgetMs: 60_000, firstDelayMs: 1_000 })).toBe(false);
  expect(Date.now() - started).toBeLessThan(500);
});

test("an unreachable SQS is retried until the budget runs out", async () => {
  const started = Date.now();
  expect(await enqueueDurably(QUEUE, sampleEnvelope, { budgetMs: 300, firstDelayMs: 50 })).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(100);
});
