import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { closingCall } from "./budget.ts";
import type { Envelope } from "./envelope.ts";
import { lazy } from "./lazy.ts";
import { enqueueWith, QueueError, type QueueSender } from "./queue.ts";

/**
 * The SDK's SQS client, for the worker (and the relay's WhatsApp outbound poller). The ingress and the
 * relay's enqueue go through the lean client instead (handlers/core/aws/sqs.ts).
 */
export const sqs = lazy(() => new SQSClient({}));

const sdkSender: QueueSender = {
  sendMessage: (input) => sqs().send(new SendMessageCommand(input)),
  sendMessageBatch: (input) => sqs().send(new SendMessageBatchCommand(input)),
};

/**
 * Puts envelopes on the FIFO queue with the SDK's client (see `enqueueWith` in ./queue.ts).
 * @throws MessageTooLargeError when an envelope cannot fit in an SQS message (nothing is sent).
 * @throws QueueError when SQS refuses or cannot be reached.
 */
export function enqueue(queueUrl: string, envelopes: readonly Envelope[]): Promise<void> {
  return enqueueWith(sdkSender, queueUrl, envelopes);
}

/**
 * Has SQS deliver received messages again after `seconds` (ChangeMessageVisibility), instead of after
 * the queue's long visibility timeout, so a retry comes soon. Best effort: when it fails, SQS retries
 * after the timeout.
 */
export async function redeliverAfter(queueUrl: string, receiptHandles: readonly string[], seconds: number) {
  for (let start = 0; start < receiptHandles.length; start += 10) {
    await sqs().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: receiptHandles.slice(start, start + 10).map((handle, index) => ({
          Id: String(index),
          ReceiptHandle: handle,
          VisibilityTimeout: seconds,
        })),
      }),
      closingCall(),
    );
  }
}

/**
 * Puts a received FIFO record on the dead-letter queue `dlqUrl` as it is, with `reason` as a message
 * attribute: for a message no retry can fix, so it neither waits out its retries nor holds its group up.
 * @throws QueueError when SQS refuses (the record then stays and is retried).
 */
export async function moveToDeadLetter(dlqUrl: string, record: SQSRecord, reason: string): Promise<void> {
  try {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: record.body,
        MessageGroupId: record.attributes.MessageGroupId ?? "dead-letter",
        MessageDeduplicationId: record.messageId,
        MessageAttributes: { reason: { DataType: "String", StringValue: reason.slice(0, 1024) } },
      }),
      closingCall(),
    );
  } catch (error) {
    throw new QueueError(error);
  }
}
