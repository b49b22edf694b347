import type { FailedRecord } from "../batch.ts";
import { log } from "../log.ts";
import { redeliverAfter } from "../sqs-client.ts";

/**
 * When the records a batch did not finish come back (ChangeMessageVisibility), instead of after the
 * queue's long visibility timeout: a held record when its burst window has passed, a failed one after
 * the back-off for its attempt. Best effort: when the call fails, SQS brings them back after the timeout.
 */

/** Seconds until a failed message comes back: 10 s, 30 s, 90 s …, at most 15 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(900, 10 * 3 ** Math.max(0, attempt - 1));
}

/** Brings held records (those with `holdSeconds`) back when their burst window has passed. */
export async function holdBack(queueUrl: string | undefined, failed: readonly FailedRecord[]): Promise<void> {
  const bySeconds = new Map<number, string[]>();
  for (const { record, holdSeconds: seconds } of failed) {
    if (seconds === undefined) continue;
    bySeconds.set(seconds, [...(bySeconds.get(seconds) ?? []), record.receiptHandle]);
  }
  if (!queueUrl) return;
  for (const [seconds, handles] of bySeconds)
    await redeliverAfter(queueUrl, handles, seconds).catch((err: unknown) =>
      log.warn("visibility.failed", { err }),
    );
}

/**
 * Brings failed records (those without `holdSeconds`) back after the back-off for the highest attempt
 * among them, through `queueUrl`: the queue the batch came from.
 */
export async function backOff(queueUrl: string | undefined, failed: readonly FailedRecord[]): Promise<void> {
  const retried = failed.filter((f) => f.holdSeconds === undefined);
  if (!queueUrl || retried.length === 0) return;
  const attempt = Math.max(...retried.map((f) => Number(f.record.attributes.ApproximateReceiveCount) || 1));
  await redeliverAfter(
    queueUrl,
    retried.map((f) => f.record.receiptHandle),
    backoffSeconds(attempt),
  ).catch((err: unknown) => log.warn("visibility.failed", { err }));
}
