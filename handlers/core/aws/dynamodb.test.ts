/**
 * The lean UpdateItem against dynalite (a DynamoDB protocol server): the ledger's `seen` update lands
 * as the SDK's does, and a failed condition is named as the SDK names it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { sharedDynamo, useCoreTable } from "../../../test/harness/dynamodb.ts";
import { seenUpdate } from "../ledger-seen.ts";
import { describeError } from "../log.ts";
import { updateItem } from "./dynamodb.ts";

const TABLE = "lean-dynamodb";
let restore: () => void;
beforeAll(async () => {
  restore = await useCoreTable(TABLE);
});
afterAll(() => restore());

test("UpdateItem: the ledger's seen update adds to the entry's set", async () => {
  const dynamo = await sharedDynamo();
  await updateItem({
    TableName: TABLE,
    Key: { id: { S: "e1" } },
    UpdateExpression: "SET complete = :t",
    ExpressionAttributeValues: { ":t": { BOOL: true } },
  });
  await updateItem({ TableName: TABLE, Key: { id: { S: "e1" } }, ...seenUpdate(0) });
  await updateItem({ TableName: TABLE, Key: { id: { S: "e1" } }, ...seenUpdate(2) });
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { id: { S: "e1" } } }),
  );
  expect((Item?.seen?.NS ?? []).map(Number).sort()).toEqual([0, 2]);
});

test("a failed condition (no entry) is a ConditionalCheckFailedException, 400, as the SDK names it", async () => {
  const error = await updateItem({ TableName: TABLE, Key: { id: { S: "none" } }, ...seenUpdate(1) }).catch(
    (e: unknown) => e,
  );
  expect(describeError(error)).toMatchObject({
    name: "ConditionalCheckFailedException",
    status: 400,
    fault: "client",
  });
});
