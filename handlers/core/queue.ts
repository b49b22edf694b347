import type {
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageRequest,
} from "@aws-sdk/client-sqs";
import { sha256Hex } from "./crypto.ts";
import { conversationKey, type Envelope } from "./envelope.ts";
import { RelayError } from "./errors.ts";

/**
 * Envelopes onto the channel's FIFO queue: the message body, its group and deduplication ids, the size
 * limits and the batching, through whichever SQS client the caller has — the ingress's lean one
 * (handlers/core/aws/sqs.ts), the SDK's in the worker and the relay (./sqs-client.ts).
 */

/** SQS did not take the message: the ingress answers 5xx so the platform retries. */
export class QueueError extends RelayError {
  override name = "QueueError";
  constructor(cause: unknown) {
    super("could not enqueue the message", { retryable: true, cause });
  }
}

/**
 * SQS's message size limit as the modules deploy the queue (MaximumMessageSize unset: 256 KiB), for
 * one message and for a whole SendMessageBatch.
 */
export const MAX_MESSAGE_BYTES = 262_144;

/** An envelope too large for SQS: no retry can help, so the ingress answers 413 instead of 5xx. */
export class MessageTooLargeError extends RelayError {
  override name = "MessageTooLargeError";
  constructor(bytes: number) {
    super(`the message is ${bytes} bytes, over the queue's ${MAX_MESSAGE_BYTES}`, { retryable: false });
  }
}

// Characters SQS does not store as sent: outside #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD it rejects
// or replaces them (U+FFFE, U+FFFF), and SQS emulators also refuse the astral planes. Matched per UTF-16
// code unit, so a surrogate pair becomes two escapes that JSON.parse joins back into the same character.
const SQS_UNSAFE = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g;

/**
 * An SQS message body: the JSON of `value` with every character SQS would refuse or alter written as a
 * `\uXXXX` escape, so JSON.parse gives back exactly the value that was sent.
 * @example sqsJson({ text: "hi 😀" }) // '{"text":"hi \\ud83d\\ude00"}'
 */
export function sqsJson(value: unknown): string {
  return JSON.stringify(value).replace(
    SQS_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** SQS FIFO ids: ≤ 128 characters of alphanumerics and punctuation; anything else is its sha256 hex. */
export function fifoId(raw: string): string {
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

/** The two SQS calls enqueueing takes, with the SDK's input shapes. */
export interface QueueSender {
  sendMessage(input: SendMessageRequest): Promise<unknown>;
  sendMessageBatch(input: SendMessageBatchRequest): Promise<Pick<SendMessageBatchResult, "Failed">>;
}

/**
 * Puts envelopes on the FIFO queue through `sqs`; resolves only when SQS has accepted every one of them.
 * @throws MessageTooLargeError when an envelope cannot fit in an SQS message (nothing is sent).
 * @throws QueueError when SQS refuses or cannot be reached.
 * @example await enqueueWith(sqs, process.env.QUEUE_URL, [envelope])
 */
export async function enqueueWith(
  sqs: QueueSender,
  queueUrl: string,
  envelopes: readonly Envelope[],
): Promise<void> {
  const bodies = envelopes.map(sqsJson);
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(bytes);
  }
  try {
    if (envelopes.length === 1) {
      const [envelope] = envelopes as [Envelope];
      await sqs.sendMessage({
        QueueUrl: queueUrl,
        MessageBody: bodies[0],
        MessageGroupId: groupId(envelope),
        MessageDeduplicationId: deduplicationId(envelope),
      });
      return;
    }
    // A batch holds at most 10 messages and MAX_MESSAGE_BYTES in all.
    for (let start = 0; start < envelopes.length; ) {
      let end = start + 1;
      let bytes = Buffer.byteLength(bodies[start] as string);
      while (end < envelopes.length && end - start < 10) {
        bytes += Buffer.byteLength(bodies[end] as string);
        if (bytes > MAX_MESSAGE_BYTES) break;
        end += 1;
      }
      const batch = envelopes.slice(start, end);
      const result = await sqs.sendMessageBatch({
        QueueUrl: queueUrl,
        Entries: batch.map((envelope, index) => ({
          Id: String(index),
          MessageBody: bodies[start + index],
          MessageGroupId: groupId(envelope),
          MessageDeduplicationId: deduplicationId(envelope),
        })),
      });
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${batch.length}`);
      start = end;
    }
  } catch (error) {
    throw new QueueError(error);
  }
}
