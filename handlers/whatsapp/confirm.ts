import { updateItem } from "../core/aws/dynamodb.ts";
import { LedgerError, seenUpdate } from "../core/ledger-seen.ts";
import { log } from "../core/log.ts";
import type { ChunkConfirmation } from "./callback.ts";

/**
 * The send ledger as the ingress uses it (`LEDGER_TABLE`, the worker's table): only to record that
 * Meta confirmed a reply chunk (the ledger's own `seen` update, through the ingress's lean client, so
 * the ingress loads no DynamoDB client).
 */
async function recordSeen(table: string, envelopeId: string, index: number): Promise<void> {
  try {
    await updateItem({ TableName: table, Key: { id: { S: envelopeId } }, ...seenUpdate(index) });
  } catch (error) {
    // No entry: not a reply the ledger knows (or it expired): nothing to record.
    if ((error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException") return;
    throw new LedgerError("write", error);
  }
}

/**
 * Records each confirmed chunk in the send ledger (`seen`), so a worker unsure whether it went out
 * does not send it again. Throws a retryable LedgerError when a write fails: the ingress answers 5xx
 * and Meta delivers the statuses again. Without LEDGER_TABLE there is nothing to record.
 */
export async function recordConfirmations(confirmed: readonly ChunkConfirmation[]): Promise<void> {
  if (confirmed.length === 0) return;
  const table = process.env.LEDGER_TABLE?.trim();
  if (!table) return;
  await Promise.all(confirmed.map(({ envelopeId, index }) => recordSeen(table, envelopeId, index)));
  for (const { envelopeId, index } of confirmed) log.debug("chunk.confirmed", { envelopeId, chunk: index });
}
