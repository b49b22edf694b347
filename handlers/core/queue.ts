import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { lazy } from "./config.ts";
import { sha256Hex } from "./crypto.ts";
import { conversationKey, type Envelope } from "./envelope.ts";
import { RelayError } from "./errors.ts";

/** SQS did not take the message: the ingress answers 5xx so the platform retries. */
export class QueueError extends RelayError {
  override name = "QueueError";
  constructor(cause: unknown) {
    super("could not enqueue the message", { retryable: true, cause });
  }
}

const sqs = lazy(() => new SQSClient({}));

/** SQS FIFO ids: ≤ 128 characters of alphanumerics and punctuation; anything else is hashed. */
function fifoId(raw: string): string {
  return raw.length <= 128 && /^[\x21-\x7e]+$/.test(raw) ? raw : sha256Hex(raw);
}

/** MessageGroupId: the conversation, so messages of one chat are answered in order. */
export function groupId(envelope: Envelope): string {
  return fifoId(conversationKey(envelope));
}

/** MessageDeduplicationId: the platform's event id, so a redelivered event is queued once. */
export function deduplicationId(envelope: Envelope): string {
  return fifoId(`${envelope.channel}:${envelope.eventId}`);
}

/**
 * Puts envelopes on the FIFO queue; resolves only when SQS has accepted every one of them.
 * @throws QueueError when SQS refuses or cannot be reached.
 */
export async function enqueue(queueUrl: string, envelopes: readonly Envelope[]): Promise<void> {
  try {
    if (envelopes.length === 1) {
      const [envelope] = envelopes as [Envelope];
      await sqs().send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(envelope),
          MessageGroupId: groupId(envelope),
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
      return;
    }
    for (let start = 0; start < envelopes.length; start += 10) {
      const batch = envelopes.slice(start, start + 10);
      const result = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((envelope, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(envelope),
            MessageGroupId: groupId(envelope),
            MessageDeduplicationId: deduplicationId(envelope),
          })),
        }),
      );
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${batch.length}`);
    }
  } catch (error) {
    throw new QueueError(error);
  }
}

/**
 * Makes received messages visible again after `seconds` (instead of the queue's long visibility
 * timeout), so a retry comes soon. Best effort: when it fails, SQS retries after the timeout.
 */
export async function retryAfter(queueUrl: string, receiptHandles: readonly string[], seconds: number) {
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
    );
  }
}
