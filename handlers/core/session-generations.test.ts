import { afterAll, beforeAll, expect, test } from "bun:test";
import { useCoreTable } from "../../test/harness/dynamodb.ts";
import { dynamoSessions, noSessions, SessionStoreError } from "./session-generations.ts";

let restore: () => void;

beforeAll(async () => {
  restore = await useCoreTable("relay-state");
});
afterAll(() => restore());

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
