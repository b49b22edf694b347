import type { SQSRecord } from "aws-lambda";

/** What became of one record: answered (or given up on for good), or to be retried by SQS. */
export type Outcome = "done" | "retry";

/** A record that goes back to the queue, and whether it was attempted or skipped behind one that failed. */
export interface FailedRecord {
  readonly record: SQSRecord;
  readonly attempted: boolean;
}

/**
 * Processes a FIFO batch like Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError`:
 * records of one message group run one after another in order; when one must be retried, it and
 * every later record of its group are returned as failed without being attempted, so order holds.
 * Different groups are independent conversations and run concurrently.
 * A `process` that throws counts as a retry.
 */
export async function processFifoBatch(
  records: readonly SQSRecord[],
  process: (record: SQSRecord) => Promise<Outcome>,
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
      for (const [index, record] of group.entries()) {
        const outcome = await process(record).catch((): Outcome => "retry");
        if (outcome === "done") continue;
        failed.set(record.messageId, { record, attempted: true });
        for (const later of group.slice(index + 1))
          failed.set(later.messageId, { record: later, attempted: false });
        return;
      }
    }),
  );
  return records.flatMap((record) => failed.get(record.messageId) ?? []);
}
