import type { SQSRecord } from "aws-lambda";

/** What became of one record: answered (or given up on for good), or to be retried by SQS. */
export type Outcome = "done" | "retry";

/**
 * What one step did with the first records of a group's pending ones: `count` of them are `done` or to
 * `retry` (together: a burst answered at once), or all of them are held back for `holdSeconds` (the burst
 * window of the first one is still open: SQS brings them back, with what came since, after it).
 */
export type Step = { readonly count: number; readonly outcome: Outcome } | { readonly holdSeconds: number };

/**
 * A record that goes back to the queue: attempted and failed, skipped behind one that failed, or held
 * back for `holdSeconds` (not a failure: it was not attempted).
 */
export interface FailedRecord {
  readonly record: SQSRecord;
  readonly attempted: boolean;
  readonly holdSeconds?: number;
}

/**
 * Processes a FIFO batch like Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError`: the records
 * of one message group in order, a step at a time (`step` takes the group's pending records and says how
 * many it handled, see {@link Step}); when a step must be retried, its records and every later record of
 * its group are returned as failed without being attempted, so order holds. Different groups are
 * independent conversations and run concurrently: one slow agent answer holds no other chat. A `step`
 * that throws counts as a retry of the first pending record.
 */
export async function processFifoBatch(
  records: readonly SQSRecord[],
  step: (pending: readonly SQSRecord[]) => Promise<Step>,
): Promise<FailedRecord[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    const list = groups.get(group);
    if (list) list.push(record);
    else groups.set(group, [record]);
  }
  const failed = new Map<string, FailedRecord>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (let next = 0; next < group.length; ) {
        const pending = group.slice(next);
        const done = await step(pending).catch((): Step => ({ count: 1, outcome: "retry" }));
        if ("holdSeconds" in done) {
          for (const record of pending)
            failed.set(record.messageId, { record, attempted: false, holdSeconds: done.holdSeconds });
          return;
        }
        const count = Math.min(Math.max(1, done.count), pending.length);
        if (done.outcome === "done") {
          next += count;
          continue;
        }
        for (const [index, record] of pending.entries())
          failed.set(record.messageId, { record, attempted: index < count });
        return;
      }
    }),
  );
  return records.flatMap((record) => failed.get(record.messageId) ?? []);
}

/**
 * A step for one record at a time (`process` answers the first pending record).
 * @example await processFifoBatch(records, oneAtATime(async (record) => "done"));
 */
export function oneAtATime(process: (record: SQSRecord) => Promise<Outcome>) {
  return async (pending: readonly SQSRecord[]): Promise<Step> => ({
    count: 1,
    outcome: await process(pending[0] as SQSRecord),
  });
}
