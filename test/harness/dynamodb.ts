/**
 * An embedded DynamoDB-compatible server (dynalite, in memory) for the send ledger: the real
 * @aws-sdk/client-dynamodb talks to it through AWS_ENDPOINT_URL_DYNAMODB.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { ACCESS_INDEX } from "../../handlers/core/access/store.ts";
import { setEnv } from "./env.ts";

export interface LocalDynamo {
  /** For AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates a ledger table as the modules define it (partition key `id`, the `access` index on `list`). */
  createLedgerTable(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 with instant table creation. */
export async function startDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  server.unref();
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  return {
    endpoint,
    client,
    async createLedgerTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [
            { AttributeName: "id", AttributeType: "S" },
            { AttributeName: "list", AttributeType: "S" },
          ],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          GlobalSecondaryIndexes: [
            {
              IndexName: ACCESS_INDEX,
              KeySchema: [{ AttributeName: "list", KeyType: "HASH" }],
              Projection: { ProjectionType: "ALL" },
            },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      // Even with createTableMs 0 the table is CREATING (and not found) until a timer has run.
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === "ACTIVE") return name;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

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
