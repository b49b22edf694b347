import { expect, test } from "bun:test";
import type { SQSRecord } from "aws-lambda";
import { type Outcome, processFifoBatch } from "./batch.ts";

function record(id: string, group: string): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: "{}",
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "s",
      ApproximateFirstReceiveTimestamp: "0",
      MessageGroupId: group,
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q.fifo",
    awsRegion: "us-east-1",
  };
}

test("a failure skips the rest of its group only, in order, and other groups go on", async () => {
  const records = [
    record("a1", "A"),
    record("b1", "B"),
    record("a2", "A"),
    record("b2", "B"),
    record("a3", "A"),
  ];
  const seen: string[] = [];
  const failed = await processFifoBatch(records, async (r): Promise<Outcome> => {
    seen.push(r.messageId);
    return r.messageId === "a2" ? "retry" : "done";
  });
  expect(seen.sort()).toEqual(["a1", "a2", "b1", "b2"]);
  expect(failed.map((f) => [f.record.messageId, f.attempted])).toEqual([
    ["a2", true],
    ["a3", false],
  ]);
});

test("records of one group run one at a time, groups concurrently", async () => {
  const records = [record("a1", "A"), record("a2", "A"), record("b1", "B")];
  const events: string[] = [];
  await processFifoBatch(records, async (r) => {
    events.push(`start ${r.messageId}`);
    await Bun.sleep(5);
    events.push(`end ${r.messageId}`);
    return "done";
  });
  expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
  expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
});

test("a throwing processor counts as a retry", async () => {
  const failed = await processFifoBatch([record("x", "X")], async () => {
    throw new Error("boom");
  });
  expect(failed.map((f) => f.record.messageId)).toEqual(["x"]);
});
