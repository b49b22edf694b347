import { sendMessage, sendMessageBatch } from "../handlers/core/aws/sqs.ts";
import { type Envelope, envelopeId } from "../handlers/core/envelope.ts";
import { isRetryable } from "../handlers/core/errors.ts";
import { log } from "../handlers/core/log.ts";
import { enqueueWith, type QueueSender } from "../handlers/core/queue.ts";

/**
 * SQS as the relay calls it: the lean signed client of the ingress (handlers/core/aws/), with the SDK's
 * credential chain (relay/main.ts), not the SDK's SQS client: about half the CPU per message, which the
 * relay's interpreter-only JavaScriptCore (relay/build.ts RUNTIME) needs at 100 messages/s.
 */
const sqs: QueueSender = { sendMessage, sendMessageBatch };

/**
 * A gateway event is not redelivered when we fail to queue it (unlike a webhook, nobody retries), so
 * the relay retries SQS itself: after 0.5 s, 1 s, 2 s … (at most 30 s apart) for up to `budgetMs`.
 */
export interface DurableEnqueueOptions {
  /** How long to keep trying, in ms. @default 300_000 (5 minutes) */
  readonly budgetMs?: number;
  /** First wait, in ms, doubled on each failure. @default 500 */
  readonly firstDelayMs?: number;
}

/** Enqueues one envelope, retrying SQS failures; resolves true once queued, false when it gave up (logged). */
export async function enqueueDurably(
  queueUrl: string,
  envelope: Envelope,
  options: DurableEnqueueOptions = {},
): Promise<boolean> {
  const id = envelopeId(envelope);
  const giveUpAt = Date.now() + (options.budgetMs ?? 300_000);
  let delay = options.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await enqueueWith(sqs, queueUrl, [envelope]);
      log.info("message.queued", { envelopeId: id, attempt });
      return true;
    } catch (err) {
      // A message too large for SQS stays too large: no retry can help.
      if (!isRetryable(err)) {
        log.error("message.lost", { envelopeId: id, attempt, err, hint: "SQS cannot take this message" });
        return false;
      }
      if (Date.now() + delay > giveUpAt) {
        log.error("message.lost", { envelopeId: id, attempt, err, hint: "SQS refused it for too long" });
        return false;
      }
      log.warn("enqueue.retry", { envelopeId: id, attempt, retryInMs: delay, err });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(30_000, delay * 2);
    }
  }
}
