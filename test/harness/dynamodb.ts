/**
 * The embedded DynamoDB (emulators/dynamodb.ts) as the tests that call handlers/core directly share it.
 */
import { type LocalDynamo, startDynamo } from "../../emulators/dynamodb.ts";
import { setEnv } from "./env.ts";

export { type LocalDynamo, startDynamo } from "../../emulators/dynamodb.ts";

/** Kept on globalThis: the test runner may load this module once per test file. */
const SHARED = Symbol.for("agentcore-relay.sharedDynamo");
type WithShared = typeof globalThis & { [SHARED]?: Promise<LocalDynamo> };

/**
 * One dynalite for the whole test process, for tests that call handlers/core directly: the handlers
 * keep one DynamoDB client per process, made on the endpoint of its first use, so every such test
 * file must point it at the same server. Never closed (it does not keep the process alive); each
 * file creates its own tables.
 */
export function sharedDynamo(): Promise<LocalDynamo> {
  const global = globalThis as WithShared;
  global[SHARED] ??= startDynamo().then((dynamo) => ({ ...dynamo, close: async () => {} }));
  return global[SHARED];
}

/**
 * For tests that call handlers/core directly: creates `table` on the shared dynalite and points the
 * handlers' AWS environment at it (one attempt per call). Returns what restores the environment.
 */
export async function useCoreTable(table: string): Promise<() => void> {
  const dynamo = await sharedDynamo();
  await dynamo.createLedgerTable(table);
  return setEnv({
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_MAX_ATTEMPTS: "1",
  });
}
