import { expect, test } from "bun:test";
import type { SQSRecord } from "aws-lambda";
import { type Outcome, oneAtATime, processFifoBatch } from "./batch.ts";

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
  const failed = await processFifoBatch(
    records,
    oneAtATime(async (r): Promise<Outcome> => {
      seen.push(r.messageId);
      return r.messageId === "a2" ? "retry" : "done";
    }),
  );
  expect(seen.sort()).toEqual(["a1", "a2", "b1", "b2"]);
  expect(failed.map((f) => [f.record.messageId, f.attempted])).toEqual([
    ["a2", true],
    ["a3", false],
  ]);
});

test("records of one group run one at a time, groups concurrently", async () => {
  const records = [record("a1", "A"), record("a2", "A"), record("b1", "B")];
  const events: string[] = [];
  await processFifoBatch(
    records,
    oneAtATime(async (r) => {
      events.push(`start ${r.messageId}`);
      await Bun.sleep(5);
      events.push(`end ${r.messageId}`);
      return "done";
    }),
  );
  expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
  expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
});

test("a throwing processor counts as a retry", async () => {
  const failed = await processFifoBatch([record("x", "X")], async () => {
    throw new Error("boom");
  });
  expect(failed.map((f) => f.record.messageId)).toEqual(["x"]);
});

test("steps of several records: a burst done at once, a held group back in full, a failed burst and what follows", async () => {
  const records = ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"].map((id) => record(id, id[0] as string));
  const steps: string[] = [];
  const failed = await processFifoBatch(records, async (pending) => {
    const first = pending[0]?.messageId ?? "";
    steps.push(`${first}+${pending.length - 1}`);
    if (first === "a1") return { count: 2, outcome: "done" };
    if (first.startsWith("b")) return { holdSeconds: 2 };
    if (first === "c1") return { count: 2, outcome: "retry" };
    return { count: 1, outcome: "done" };
  });
  expect(steps.sort()).toEqual(["a1+2", "a3+0", "b1+1", "c1+2"]);
  expect(failed.map((f) => [f.record.messageId, f.attempted, f.holdSeconds])).toEqual([
    ["b1", false, 2],
    ["b2", false, 2],
    ["c1", true, undefined],
    ["c2", true, undefined],
    ["c3", false, undefined],
  ]);
});
