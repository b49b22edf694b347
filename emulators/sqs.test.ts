/**
 * What fauxqs does (and does not) do for FIFO queues, as the end-to-end suites rely on it.
 * If fauxqs changes behaviour, these tests say where.
 */
import { afterAll, describe, expect, setSystemTime, test } from "bun:test";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { type LocalSqs, startSqs } from "./sqs.ts";

const sqs: LocalSqs = await startSqs();
afterAll(() => sqs.close());

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const receive = (
  QueueUrl: string,
  extra: { MaxNumberOfMessages?: number; VisibilityTimeout?: number } = {},
) =>
  sqs.client
    .send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        ...extra,
      }),
    )
    .then((out) => out.Messages ?? []);

const release = (QueueUrl: string, ReceiptHandle: string | undefined) =>
  sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 0 }));

describe("startSqs / createFifoPair", () => {
  test("queue URLs use the loopback endpoint as origin; the redrive policy points at the DLQ", async () => {
    const pair = await sqs.createFifoPair(unique("relay"), {
      maxReceiveCount: 4,
      visibilityTimeoutSeconds: 60,
    });
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(pair.queueUrl).toBe(`${sqs.endpoint}/000000000000/${pair.queueName}`);
    expect(pair.dlqUrl).toBe(`${sqs.endpoint}/000000000000/${pair.dlqName}`);
    expect(pair.queueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${pair.queueName}`);
    expect(pair.dlqArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${pair.dlqName}`);
    const attrs = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: pair.queueUrl, AttributeNames: ["All"] }),
    );
    expect(attrs.Attributes).toMatchObject({ FifoQueue: "true", VisibilityTimeout: "60" });
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: pair.dlqArn,
      maxReceiveCount: 4,
    });
  });

  test("messages carry every system attribute Lambda passes on, and message attributes", async () => {
    const pair = await sqs.createFifoPair(unique("attrs"));
    await sqs.send(pair.queueUrl, '{"hello":"wörld"}', {
      groupId: "telegram:42",
      dedupId: "update-1",
      attributes: { channel: { DataType: "String", StringValue: "telegram" } },
    });
    const [message] = await receive(pair.queueUrl);
    expect(message?.Body).toBe('{"hello":"wörld"}');
    expect(Object.keys(message?.Attributes ?? {}).sort()).toEqual([
      "ApproximateFirstReceiveTimestamp",
      "ApproximateReceiveCount",
      "MessageDeduplicationId",
      "MessageGroupId",
      "SenderId",
      "SentTimestamp",
      "SequenceNumber",
    ]);
    expect(message?.Attributes).toMatchObject({
      ApproximateReceiveCount: "1",
      MessageGroupId: "telegram:42",
      MessageDeduplicationId: "update-1",
    });
    expect(message?.MessageAttributes).toEqual({ channel: { DataType: "String", StringValue: "telegram" } });
  });
});

describe("fauxqs FIFO semantics", () => {
  test("dedup: the same MessageDeduplicationId within 5 minutes is accepted but not enqueued, even after deletion", async () => {
    const pair = await sqs.createFifoPair(unique("dedup"));
    const first = await sqs.send(pair.queueUrl, "one", { groupId: "g", dedupId: "evt-1" });
    const again = await sqs.send(pair.queueUrl, "one again", { groupId: "g", dedupId: "evt-1" });
    expect(again.messageId).toBe(first.messageId);
    const received = await sqs.receiveAll(pair.queueUrl);
    expect(received.map((m) => m.Body)).toEqual(["one"]);
    await sqs.send(pair.queueUrl, "after delete", { groupId: "g", dedupId: "evt-1" });
    expect(await sqs.receiveAll(pair.queueUrl)).toEqual([]);
  });

  test("content-based dedup when enabled", async () => {
    const pair = await sqs.createFifoPair(unique("cbd"), { contentBasedDeduplication: true });
    const send = () =>
      sqs.client.send(
        new SendMessageCommand({ QueueUrl: pair.queueUrl, MessageBody: "same", MessageGroupId: "g" }),
      );
    const [first, second] = [await send(), await send()];
    expect(second.MessageId).toBe(first.MessageId ?? "");
    expect(sqs.peek(pair.queueUrl)).toEqual(["same"]);
  });

  test("ordering: per group in send order, as many of a group as fit; a group with a message in flight yields nothing more", async () => {
    const pair = await sqs.createFifoPair(unique("order"));
    for (const body of ["a1", "b1", "a2", "a3", "b2"])
      await sqs.send(pair.queueUrl, body, { groupId: body[0] });
    // As SQS: a group's messages together, in order (emulators/fauxqs.ts; fauxqs alone gives one per group).
    expect((await receive(pair.queueUrl, { MaxNumberOfMessages: 4 })).map((m) => m.Body)).toEqual([
      "a1",
      "a2",
      "a3",
      "b1",
    ]);
    expect(await receive(pair.queueUrl)).toEqual([]); // both groups locked while in flight
    const pair2 = await sqs.createFifoPair(unique("order"));
    for (const body of ["a1", "a2"]) await sqs.send(pair2.queueUrl, body, { groupId: "a" });
    const [a1, a2] = await receive(pair2.queueUrl, { MaxNumberOfMessages: 1 }).then(async (first) => [
      ...first,
      ...(await receive(pair2.queueUrl)),
    ]);
    expect([a1?.Body, a2]).toEqual(["a1", undefined]); // a2 waits while a1 is in flight
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: pair2.queueUrl, ReceiptHandle: a1?.ReceiptHandle }),
    );
    const [next] = await receive(pair2.queueUrl);
    expect(next?.Body).toBe("a2");
    // SequenceNumber grows with send order across the queue (20 digits, as on SQS).
    expect(next?.Attributes?.SequenceNumber).toMatch(/^\d{20}$/);
    expect(BigInt(next?.Attributes?.SequenceNumber ?? 0)).toBeGreaterThan(
      BigInt(a1?.Attributes?.SequenceNumber ?? 0),
    );
  });

  test("drained in order per group across many receive/delete rounds", async () => {
    const pair = await sqs.createFifoPair(unique("drain"));
    const sent = ["x1", "y1", "x2", "y2", "x3", "z1", "y3"];
    for (const body of sent) await sqs.send(pair.queueUrl, body, { groupId: body[0] });
    const bodies = (await sqs.receiveAll(pair.queueUrl)).map((m) => m.Body ?? "");
    for (const group of "xyz") {
      expect(bodies.filter((b) => b.startsWith(group))).toEqual(sent.filter((b) => b.startsWith(group)));
    }
    expect(bodies).toHaveLength(sent.length);
  });

  test("released messages come back first in their group, in order, with ApproximateReceiveCount + 1", async () => {
    const pair = await sqs.createFifoPair(unique("release"));
    for (const body of ["m1", "m2", "m3"]) await sqs.send(pair.queueUrl, body, { groupId: "g" });
    const first = await receive(pair.queueUrl, { MaxNumberOfMessages: 2 });
    for (const message of first) await release(pair.queueUrl, message.ReceiptHandle);
    const again = await receive(pair.queueUrl);
    expect(again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ["m1", "2"],
      ["m2", "2"],
      ["m3", "1"],
    ]);
    expect(again[0]?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first[0]?.Attributes?.ApproximateFirstReceiveTimestamp,
    );
  });

  test("redrive: after maxReceiveCount receives, the next receive moves the message to the DLQ", async () => {
    const pair = await sqs.createFifoPair(unique("redrive"), { maxReceiveCount: 2 });
    await sqs.send(pair.queueUrl, "poison", { groupId: "g", dedupId: "p-1" });
    await sqs.send(pair.queueUrl, "next", { groupId: "g", dedupId: "n-1" });
    for (const expected of ["1", "2"]) {
      const [message] = await receive(pair.queueUrl, { MaxNumberOfMessages: 1 });
      expect(message?.Body).toBe("poison");
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(expected);
      await release(pair.queueUrl, message?.ReceiptHandle);
    }
    // Third receive: "poison" goes to the DLQ and the group moves on to "next" in the same call.
    expect((await receive(pair.queueUrl)).map((m) => m.Body)).toEqual(["next"]);
    const dead = await sqs.receiveAll(pair.dlqUrl);
    expect(dead.map((m) => m.Body)).toEqual(["poison"]);
    expect(dead[0]?.Attributes).toMatchObject({ MessageGroupId: "g", MessageDeduplicationId: "p-1" });
    // fauxqs keeps counting: the DLQ copy's receive count continues from the source queue's (3 here).
    expect(dead[0]?.Attributes?.ApproximateReceiveCount).toBe("4");
  });

  test("visibility timeout: an unreleased message reappears only after the timeout", async () => {
    const pair = await sqs.createFifoPair(unique("visibility"), { visibilityTimeoutSeconds: 1 });
    await sqs.send(pair.queueUrl, "slow", { groupId: "g" });
    // fauxqs reads Date.now() for visibility: a stopped clock makes "before" and "after" exact.
    const start = Date.now();
    setSystemTime(start);
    try {
      expect(await receive(pair.queueUrl)).toHaveLength(1);
      expect(await sqs.depth(pair.queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      setSystemTime(start + 999);
      expect(await receive(pair.queueUrl)).toEqual([]);
      setSystemTime(start + 1_000);
      const [back] = await receive(pair.queueUrl);
      expect(back?.Body).toBe("slow");
      expect(back?.Attributes?.ApproximateReceiveCount).toBe("2");
    } finally {
      setSystemTime();
    }
  });

  test("peek does not receive; depth counts", async () => {
    const pair = await sqs.createFifoPair(unique("peek"));
    await sqs.send(pair.queueUrl, "p1", { groupId: "g" });
    await sqs.send(pair.queueUrl, "p2", { groupId: "h" });
    expect(sqs.peek(pair.queueUrl).sort()).toEqual(["p1", "p2"]);
    expect(await sqs.depth(pair.queueUrl)).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
  });
});
