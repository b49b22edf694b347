import { afterAll, beforeAll, expect, test } from "bun:test";
import { type LocalDynamo, sharedDynamo } from "../../test/harness/dynamodb.ts";
import { setEnv } from "../../test/harness/env.ts";
import { dynamoSessions, noSessions, SessionStoreError } from "./sessions.ts";

let dynamo: LocalDynamo;
let restore: () => void;

beforeAll(async () => {
  dynamo = await sharedDynamo();
  await dynamo.createLedgerTable("relay-state");
  restore = setEnv({
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_MAX_ATTEMPTS: "1",
  });
});
afterAll(async () => {
  restore();
  await dynamo.close();
});

test("a conversation starts in generation 0 and each /new moves it one on, others untouched", async () => {
  const sessions = dynamoSessions("relay-state");
  expect(await sessions.current("telegram:42")).toBe(0);
  expect(await sessions.next("telegram:42")).toBe(1);
  expect(await sessions.next("telegram:42")).toBe(2);
  expect(await sessions.current("telegram:42")).toBe(2);
  expect(await sessions.current("telegram:43")).toBe(0);
});

test("without a table every conversation stays in its first session", async () => {
  expect(await noSessions.next("telegram:42")).toBe(0);
  expect(await noSessions.current("telegram:42")).toBe(0);
});

test("a missing table is a retryable SessionStoreError", async () => {
  const error = await dynamoSessions("no-such-table")
    .current("x")
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SessionStoreError);
  expect((error as SessionStoreError).retryable).toBe(true);
});
