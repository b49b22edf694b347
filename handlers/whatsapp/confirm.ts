import { lazyAsync } from "../core/lazy.ts";
import type { SendLedger } from "../core/ledger.ts";
import { log } from "../core/log.ts";
import type { ChunkConfirmation } from "./callback.ts";

/**
 * The send ledger as the ingress uses it (`LEDGER_TABLE`, the worker's table): only to record that
 * Meta confirmed a reply chunk. Loaded on the first status that needs it, so a delivery of messages
 * alone never loads the DynamoDB client.
 */
const ledger = lazyAsync(async (): Promise<SendLedger | undefined> => {
  const table = process.env.LEDGER_TABLE?.trim();
  if (!table) return undefined;
  const { dynamoLedger } = await import("../core/ledger.ts");
  return dynamoLedger(table);
});

/**
 * Records each confirmed chunk in the send ledger (`seen`), so a worker unsure whether it went out
 * does not send it again. Throws a retryable LedgerError when a write fails: the ingress answers 5xx
 * and Meta delivers the statuses again. Without LEDGER_TABLE there is nothing to record.
 */
export async function recordConfirmations(confirmed: readonly ChunkConfirmation[]): Promise<void> {
  if (confirmed.length === 0) return;
  const sendLedger = await ledger();
  if (!sendLedger) return;
  await Promise.all(confirmed.map(({ envelopeId, index }) => sendLedger.seen(envelopeId, index)));
  for (const { envelopeId, index } of confirmed) log.debug("chunk.confirmed", { envelopeId, chunk: index });
}
