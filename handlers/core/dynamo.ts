import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { lazy } from "./lazy.ts";

/**
 * The DynamoDB client of the relay's table (`LEDGER_TABLE`: the send ledger and each conversation's
 * agent session), made on first use so a handler that never touches the table never loads it.
 */
export const dynamo = lazy(() => new DynamoDBClient({}));

/** Runs one operation on the table; whatever it throws goes up as `wrap(error)` (a retryable error). */
export async function guarded<T>(run: () => Promise<T>, wrap: (cause: unknown) => Error): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrap(error);
  }
}
