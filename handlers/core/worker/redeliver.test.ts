import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Message } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { awsTestEnv } from "../../../emulators/aws-env.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../../../emulators/sqs.ts";
import { setEnv } from "../../../test/harness/env.ts";
import type { FailedRecord } from "../batch.ts";
import { backOff, backoffSeconds, holdBack } from "./redeliver.ts";

let sqs: LocalSqs;
let pair: FifoPair;
let restore: () => void;
beforeAll(async () => {
  sqs = await startSqs();
  pair = await sqs.createFifoPair("redeliver-test", { visibilityTimeoutSeconds: 30 });
  restore = setEnv(awsTestEnv({ sqs, maxAttempts: 1 }));
});
afterAll(async () => {
  restore();
  await sqs.close();
});

/** A received message as Lambda's event source hands it over (what the worker reads of it). */
const recordOf = (m: Message): SQSRecord =>
  ({
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1" },
  }) as unknown as SQSRecord;

test("failed messages come back after 10 s, 30 s, 90 s …, never later than 15 minutes", () => {
  expect([1, 2, 3, 4, 10].map(backoffSeconds)).toEqual([10, 30, 90, 270, 900]);
  expect(backoffSeconds(0)).toBe(10);
});

test("a held record comes back when its window has passed; a failed one waits its back-off, not the hold", async () => {
  await sqs.send(pair.queueUrl, "held", { groupId: "a" });
  await sqs.send(pair.queueUrl, "failed", { groupId: "b" });
  const received = await sqs.receiveAll(pair.queueUrl, { deleteMessages: false });
  expect(received.map((m) => m.Body).sort()).toEqual(["failed", "held"]);
  const failed: FailedRecord[] = received.map((m) => ({
    record: recordOf(m),
    attempted: true,
    ...(m.Body === "held" ? { holdSeconds: 1 } : {}),
  }));
  await Promise.all([backOff(pair.queueUrl, failed), holdBack(pair.queueUrl, failed)]);
  await Bun.sleep(1_500);
  // The held one is back (its 30 s visibility cut to 1 s); the failed one is out for its 10 s back-off.
  const again = await sqs.receiveAll(pair.queueUrl, { deleteMessages: false });
  expect(again.map((m) => m.Body)).toEqual(["held"]);
  expect((await sqs.depth(pair.queueUrl)).inFlight).toBe(2);
});

test("no queue to call (held records with no queue URL, nothing failed): nothing called, nothing thrown", async () => {
  await holdBack(undefined, []);
  await backOff(undefined, []);
  await backOff(pair.queueUrl, []);
});
