import { RelayError } from "./errors.ts";

/**
 * What the send ledger's writers share without its DynamoDB client: its error, and the update that
 * records a chunk Meta confirmed — made by the worker's ledger (./ledger.ts) and by the WhatsApp
 * ingress through its lean client (handlers/whatsapp/confirm.ts), which loads no SDK client.
 */

/** The ledger could not be read or written: the message goes back to SQS. */
export class LedgerError extends RelayError {
  override name = "LedgerError";
  constructor(operation: string, cause: unknown) {
    super(`send ledger ${operation} failed`, { retryable: true, cause });
  }
}

/** The update that records a confirmed chunk (`seen`), only on an entry that exists. */
export const seenUpdate = (index: number) => ({
  UpdateExpression: "ADD seen :s",
  ConditionExpression: "attribute_exists(id)",
  ExpressionAttributeValues: { ":s": { NS: [String(index)] } },
});
