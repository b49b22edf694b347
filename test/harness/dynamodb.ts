/**
 * An embedded DynamoDB-compatible server (dynalite, in memory) for the send ledger: the real
 * @aws-sdk/client-dynamodb talks to it through AWS_ENDPOINT_URL_DYNAMODB.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";

export interface LocalDynamo {
  /** For AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates a ledger table as the modules define it (partition key `id`). */
  createLedgerTable(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 with instant table creation. */
export async function startDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
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
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      return name;
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
