/**
 * An embedded DynamoDB-compatible server (dynalite, in memory, on 127.0.0.1) for the relay's table (the send
 * ledger, sessions, access): the real @aws-sdk/client-dynamodb talks to it through AWS_ENDPOINT_URL_DYNAMODB.
 * The tests and `bun run dev` use it.
 */

import type { IncomingMessage } from "node:http";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { ACCESS_INDEX } from "../handlers/core/access/store.ts";

export interface LocalDynamo {
  /** For AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The operations asked of it (`GetItem`, `UpdateItem` …), in order, since it started or was reset. */
  operations(): string[];
  /** Forgets the operations seen so far. */
  resetOperations(): void;
  /** Creates a ledger table as the modules define it (partition key `id`, the `access` index on `list`). */
  createLedgerTable(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 with instant table creation. */
export async function startDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  server.unref();
  const operations: string[] = [];
  server.prependListener("request", (request: IncomingMessage) => {
    // X-Amz-Target: DynamoDB_20120810.<Operation>
    const target = request.headers["x-amz-target"];
    if (typeof target === "string") operations.push(target.slice(target.indexOf(".") + 1));
  });
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
    operations: () => [...operations],
    resetOperations: () => {
      operations.length = 0;
    },
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
