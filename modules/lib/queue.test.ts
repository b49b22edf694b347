import { describe, expect, test } from "bun:test";
import { tfNumber } from "./expr.ts";
import { FifoQueuePair } from "./queue.ts";
import { block, synthJson, testStack } from "./testing.ts";

const base = { name: "bot", maxReceiveCount: 3 };

describe("FifoQueuePair", () => {
  test("FIFO main queue and DLQ with SSE-SQS, no content dedup, redrive after maxReceiveCount", () => {
    const stack = testStack();
    new FifoQueuePair(stack, "Queues", {
      ...base,
      terraformName: "this",
      visibilityTimeoutSeconds: 180,
      consumerTimeoutSeconds: 30,
    });
    const config = synthJson(stack);
    const main = block(config, "aws_sqs_queue", "this");
    const dlq = block(config, "aws_sqs_queue", "dlq");
    for (const q of [main, dlq]) {
      expect(q.fifo_queue).toBe(true);
      expect(q.sqs_managed_sse_enabled).toBe(true);
      expect(q.content_based_deduplication).toBe(false);
    }
    expect(main.name).toBe("bot.fifo");
    expect(dlq.name).toBe("bot-dlq.fifo");
    expect(main.visibility_timeout_seconds).toBe(180);
    expect(main.message_retention_seconds).toBe(4 * 86400);
    expect(dlq.message_retention_seconds).toBe(14 * 86400);
    expect(main.redrive_policy).toBe(
      "${jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 3 })}",
    );
    expect(main.lifecycle).toBeUndefined();
    const allow = block(config, "aws_sqs_queue_redrive_allow_policy", "dlq");
    expect(allow.queue_url).toBe("${aws_sqs_queue.dlq.url}");
    expect(String(allow.redrive_allow_policy)).toContain("aws_sqs_queue.this.arn");
  });

  test("names secondary resources after a non-this terraformName", () => {
    const stack = testStack();
    new FifoQueuePair(stack, "Events", { ...base, visibilityTimeoutSeconds: 60, consumerTimeoutSeconds: 10 });
    expect(stack.addresses()).toEqual([
      "aws_sqs_queue.events_dlq",
      "aws_sqs_queue.events",
      "aws_sqs_queue_redrive_allow_policy.events_dlq",
    ]);
  });

  test("refuses a visibility timeout below 6 × the consumer timeout, showing the values", () => {
    expect(
      () =>
        new FifoQueuePair(testStack(), "Q", {
          ...base,
          visibilityTimeoutSeconds: 100,
          consumerTimeoutSeconds: 30,
        }),
    ).toThrow("visibilityTimeoutSeconds is 100, below 6 × consumerTimeoutSeconds (6 × 30 = 180)");
  });

  test("checks Terraform-valued timeouts with a precondition at plan", () => {
    const stack = testStack();
    new FifoQueuePair(stack, "Queues", {
      ...base,
      terraformName: "this",
      visibilityTimeoutSeconds: tfNumber("local.visibility"),
      consumerTimeoutSeconds: tfNumber("var.worker_timeout_seconds"),
    });
    const main = block(synthJson(stack), "aws_sqs_queue", "this");
    const [pre] = (main.lifecycle as { precondition: { condition: string; error_message: string }[] })
      .precondition;
    expect(pre?.condition).toBe("${(local.visibility >= (6 * var.worker_timeout_seconds))}");
    expect(pre?.error_message).toContain("(${local.visibility} s) must be at least 6 × the worker timeout");
  });

  test("refuses a maxReceiveCount outside 1–1000", () => {
    expect(
      () =>
        new FifoQueuePair(testStack(), "Q", {
          ...base,
          maxReceiveCount: 0,
          visibilityTimeoutSeconds: 60,
          consumerTimeoutSeconds: 10,
        }),
    ).toThrow("maxReceiveCount is 0; it must be an integer from 1 to 1000");
  });
});
