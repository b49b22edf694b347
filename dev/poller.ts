/**
 * The local event source mapping: pollers that long-poll a FIFO queue and hand each batch to the worker
 * handler as Lambda's event source mapping does (emulators/lambda.ts: records, context, deletes per
 * `batchItemFailures`). Failed records wait out the queue's visibility timeout, as on AWS.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { pollSqsOnce, type WorkerHandler } from "../emulators/lambda.ts";
import { log } from "../handlers/core/log.ts";

export interface PollerOptions {
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Concurrent pollers (each one a "Lambda invocation"). */
  readonly concurrency: number;
  /** The worker's time limit per batch, like the function timeout. */
  readonly timeoutMs?: number;
  readonly handler: WorkerHandler;
  /** Called for every message received, before the handler runs. */
  readonly onMessage?: (body: string, attempt: number) => void;
}

/** Starts the pollers; the returned function stops them after their current batch. */
export function startPoller(options: PollerOptions): () => void {
  const sqs = { client: new SQSClient({}) };
  const handler = (event: SQSEvent, context: Parameters<WorkerHandler>[1]) => {
    for (const record of event.Records) {
      options.onMessage?.(record.body, Number(record.attributes.ApproximateReceiveCount ?? 1));
    }
    return options.handler(event, context);
  };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const poll = await pollSqsOnce(sqs, options.queueUrl, options.queueArn, handler, {
          waitTimeSeconds: 2,
          timeoutMs: options.timeoutMs ?? 120_000,
          releaseFailed: false,
        });
        if (poll.error !== undefined) log.error("dev.worker_threw", { err: poll.error });
      } catch (err) {
        log.warn("dev.poll_failed", { err });
        await Bun.sleep(1_000);
      }
    }
  };
  for (let i = 0; i < options.concurrency; i++) void loop();
  return () => {
    running = false;
  };
}
