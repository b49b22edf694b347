import { afterAll, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { batchItemFailures, drain, lambdaContext, pollSqsOnce, sqsRecord } from "./lambda.ts";
import { type LocalSqs, startSqs } from "./sqs.ts";

describe("lambdaContext", () => {
  test("getRemainingTimeInMillis counts down from the timeout, to 0", () => {
    const start = Date.now();
    setSystemTime(start);
    try {
      const context = lambdaContext({ timeoutMs: 1000 });
      expect(context.getRemainingTimeInMillis()).toBe(1000);
      setSystemTime(start + 30);
      expect(context.getRemainingTimeInMillis()).toBe(970);
      setSystemTime(start + 1_500);
      expect(context.getRemainingTimeInMillis()).toBe(0);
      expect(context.invokedFunctionArn).toStartWith("arn:aws:lambda:us-east-1:123456789012:function:");
    } finally {
      setSystemTime();
    }
  });
});

describe("batchItemFailures (Lambda's rules)", () => {
  const event: SQSEvent = {
    Records: [
      sqsRecord({ MessageId: "m1", Body: "a" }, "arn:aws:sqs:us-east-1:0:q.fifo"),
      sqsRecord({ MessageId: "m2", Body: "b" }, "arn:aws:sqs:us-east-1:0:q.fifo"),
    ],
  };
  test("success shapes", () => {
    expect(batchItemFailures(undefined, event)).toEqual([]);
    expect(batchItemFailures(null, event)).toEqual([]);
    expect(batchItemFailures({}, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: [] }, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: null }, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "m2" }] }, event)).toEqual(["m2"]);
  });
  test("whole-batch failure shapes", () => {
    expect(batchItemFailures("oops", event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "" }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: null }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ id: "m1" }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "nope" }] }, event)).toBe("invalid");
  });
});

describe("pollSqsOnce / drain (SQS event source mapping)", () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(() => sqs.close());
  let n = 0;
  const pair = (options = {}) => sqs.createFifoPair(`poll-${++n}`, options);

  test("builds records exactly like Lambda and deletes them on success", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "hello", {
      groupId: "g1",
      dedupId: "d1",
      attributes: { kind: { DataType: "String", StringValue: "text" } },
    });
    const poll = await pollSqsOnce(sqs, queueUrl, queueArn, async () => ({ batchItemFailures: [] }));
    const [record] = poll.event.Records;
    expect(record).toMatchObject({
      body: "hello",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
      md5OfBody: "5d41402abc4b2a76b9719d911017c592",
      messageAttributes: {
        kind: { stringValue: "text", stringListValues: [], binaryListValues: [], dataType: "String" },
      },
      attributes: { ApproximateReceiveCount: "1", MessageGroupId: "g1", MessageDeduplicationId: "d1" },
    });
    expect(record?.attributes.SequenceNumber).toMatch(/^\d+$/);
    expect(record?.attributes.SenderId).toBeString();
    expect(record?.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record?.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(poll.deleted).toEqual([record?.messageId ?? ""]);
    expect(poll.failed).toEqual([]);
    expect(await sqs.depth(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  test("reported failures stay on the queue and are retried; a throw keeps the whole batch", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "ok", { groupId: "a" });
    await sqs.send(queueUrl, "bad", { groupId: "b" });
    const first = await pollSqsOnce(sqs, queueUrl, queueArn, (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === "bad").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    expect(first.event.Records.map((r) => r.body)).toEqual(["ok", "bad"]);
    expect(first.deleted).toHaveLength(1);
    expect(first.failed).toHaveLength(1);
    const second = await pollSqsOnce(sqs, queueUrl, queueArn, () => {
      throw new Error("worker crashed");
    });
    expect(second.event.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ["bad", "2"],
    ]);
    expect(second).toMatchObject({
      batchFailure: "threw",
      deleted: [],
      failed: [second.event.Records[0]?.messageId],
    });
    expect((second.error as Error).message).toBe("worker crashed");
  });

  test("an invalid response or a timeout fails the whole batch", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "m", { groupId: "g" });
    const invalid = await pollSqsOnce(sqs, queueUrl, queueArn, () => ({
      batchItemFailures: [{ itemIdentifier: "x" }],
    }));
    expect(invalid).toMatchObject({ batchFailure: "invalid-response", deleted: [] });
    const slow = await pollSqsOnce(sqs, queueUrl, queueArn, () => new Promise(() => {}), { timeoutMs: 20 });
    expect(slow).toMatchObject({ batchFailure: "timeout", deleted: [] });
    expect((slow.error as Error).message).toBe("Task timed out after 0.02 seconds");
  });

  test("the handler gets a context with the function timeout", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "m", { groupId: "g" });
    let remaining = 0;
    await pollSqsOnce(
      sqs,
      queueUrl,
      queueArn,
      (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
      },
      { timeoutMs: 5000 },
    );
    expect(remaining).toBeGreaterThan(4000);
    expect(remaining).toBeLessThanOrEqual(5000);
  });

  test("drain: a poison message is retried maxReceiveCount times, then lands in the DLQ", async () => {
    const { queueUrl, queueArn, dlqUrl } = await pair({ maxReceiveCount: 3 });
    await sqs.send(queueUrl, "poison", { groupId: "g" });
    await sqs.send(queueUrl, "fine", { groupId: "h" });
    const seen: string[] = [];
    const result = await drain(sqs, queueUrl, queueArn, (event) => {
      const failures = [];
      for (const r of event.Records) {
        seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
        if (r.body === "poison") failures.push({ itemIdentifier: r.messageId });
      }
      return { batchItemFailures: failures };
    });
    expect(result.empty).toBe(true);
    expect(seen).toEqual(["poison#1", "fine#1", "poison#2", "poison#3"]);
    expect(result.invocations).toBe(3);
    expect(result.deleted).toHaveLength(1);
    expect(sqs.peek(dlqUrl)).toEqual(["poison"]);
    expect(sqs.peek(queueUrl)).toEqual([]);
  });

  test("drain stops at maxPolls", async () => {
    const { queueUrl, queueArn } = await pair({ maxReceiveCount: 100 });
    await sqs.send(queueUrl, "forever", { groupId: "g" });
    const result = await drain(
      sqs,
      queueUrl,
      queueArn,
      () => {
        throw new Error("no");
      },
      { maxPolls: 4 },
    );
    expect(result).toMatchObject({ empty: false, invocations: 4, deleted: [] });
  });

  test("releaseFailed: false leaves failed records invisible until the visibility timeout", async () => {
    const { queueUrl, queueArn } = await pair({ visibilityTimeoutSeconds: 30 });
    await sqs.send(queueUrl, "m", { groupId: "g" });
    await pollSqsOnce(sqs, queueUrl, queueArn, () => Promise.reject(new Error("x")), {
      releaseFailed: false,
    });
    expect(await sqs.depth(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect((await pollSqsOnce(sqs, queueUrl, queueArn, () => undefined)).invoked).toBe(false);
  });
});
