import { describe, expect, test } from "bun:test";
import { QueueEventSource } from "./event-source.ts";
import { BundledFunction } from "./function.ts";
import { FifoQueuePair } from "./queue.ts";
import { block, synthJson, testStack } from "./testing.ts";

function setup() {
  const stack = testStack();
  const queues = new FifoQueuePair(stack, "Queues", {
    terraformName: "this",
    name: "bot",
    visibilityTimeoutSeconds: 60,
    consumerTimeoutSeconds: 10,
    maxReceiveCount: 3,
  });
  const fn = new BundledFunction(stack, "Worker", {
    functionName: "bot-worker",
    bundle: "dist/worker.mjs",
    handler: "worker.handler",
    memorySizeMb: 128,
    timeoutSeconds: 10,
    environment: {},
    logRetentionDays: 1,
  });
  return { stack, queues, fn };
}

describe("QueueEventSource", () => {
  test("partial batch responses, batch size and concurrency cap; grants consume", () => {
    const { stack, queues, fn } = setup();
    new QueueEventSource(stack, "WorkerEvents", {
      terraformName: "worker",
      queues,
      fn,
      batchSize: 5,
      maxConcurrency: 4,
    });
    const config = synthJson(stack);
    expect(block(config, "aws_lambda_event_source_mapping", "worker")).toEqual({
      event_source_arn: "${aws_sqs_queue.this.arn}",
      function_name: "${aws_lambda_function.worker.arn}",
      batch_size: 5,
      function_response_types: ["ReportBatchItemFailures"],
      scaling_config: { maximum_concurrency: 4 },
    });
    expect(fn.policyStatements.map((s) => s.sid)).toContain("ConsumeQueue");
  });

  test("refuses FIFO batch sizes above 10 and concurrency outside 2–1000", () => {
    const a = setup();
    expect(
      () =>
        new QueueEventSource(a.stack, "E", { queues: a.queues, fn: a.fn, batchSize: 11, maxConcurrency: 2 }),
    ).toThrow("batchSize is 11; it must be an integer from 1 to 10");
    const b = setup();
    expect(
      () =>
        new QueueEventSource(b.stack, "E", { queues: b.queues, fn: b.fn, batchSize: 1, maxConcurrency: 1 }),
    ).toThrow("maxConcurrency is 1; it must be an integer from 2 to 1000");
  });
});
