/**
 * The local event source mapping: long-polls a FIFO queue and hands batches to the worker handler
 * as SQS events, deleting what it did not report in `batchItemFailures` — as Lambda does.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSEvent } from "aws-lambda";
import { log } from "../handlers/core/log.ts";
import { lambdaContext, sqsRecord } from "../test/harness/lambda.ts";

export interface PollerOptions {
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Concurrent pollers (each one a "Lambda invocation"). */
  readonly concurrency: number;
  /** The worker's time limit per batch, like the function timeout. */
  readonly timeoutMs?: number;
  readonly handler: (event: SQSEvent, context?: Context) => Promise<unknown>;
  /** Called for every message received, before the handler runs. */
  readonly onMessage?: (body: string, attempt: number) => void;
}

/** Starts the pollers; the returned function stops them after their current batch. */
export function startPoller(options: PollerOptions): () => void {
  const sqs = new SQSClient({});
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        await pollOnce(sqs, options);
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

async function pollOnce(sqs: SQSClient, options: PollerOptions): Promise<void> {
  const { Messages: messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  if (messages.length === 0) return;
  for (const message of messages) {
    options.onMessage?.(message.Body ?? "", Number(message.Attributes?.ApproximateReceiveCount ?? 1));
  }
  const event: SQSEvent = { Records: messages.map((m) => sqsRecord(m, options.queueArn)) };
  let failed = new Set(messages.map((m) => m.MessageId));
  try {
    const result = (await options.handler(
      event,
      lambdaContext({ timeoutMs: options.timeoutMs ?? 120_000 }),
    )) as {
      batchItemFailures?: { itemIdentifier: string }[];
    };
    failed = new Set(result?.batchItemFailures?.map((f) => f.itemIdentifier) ?? []);
  } catch (err) {
    log.error("dev.worker_threw", { err });
  }
  const done = messages.filter((m: Message) => !failed.has(m.MessageId));
  if (done.length === 0) return;
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
    }),
  );
}
