import { GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { closingCall } from "./budget.ts";
import { dynamo, guarded } from "./dynamo.ts";
import { RelayError } from "./errors.ts";

/**
 * Which agent session a conversation is in. A conversation starts in generation 0 and `/new` moves it
 * to the next, whose runtime session id is new (agent/session-id.ts): the agent, and any memory it keeps
 * by session id, starts afresh. Kept in the relay's table (`LEDGER_TABLE`) as `session:<conversation>`
 * without an expiry: were it to expire, the conversation would fall back to its first session.
 */
export interface Sessions {
  /** The conversation's current generation. */
  current(conversation: string): Promise<number>;
  /** Moves the conversation to its next generation and returns it. */
  next(conversation: string): Promise<number>;
}

/** The table could not be read or written: the message goes back to SQS. */
export class SessionStoreError extends RelayError {
  override name = "SessionStoreError";
  constructor(operation: string, cause: unknown) {
    super(`session store ${operation} failed`, { retryable: true, cause });
  }
}

/** Sessions in the DynamoDB table `tableName` (partition key `id`). */
export function dynamoSessions(tableName: string): Sessions {
  const key = (conversation: string) => ({ id: { S: `session:${conversation}` } });
  return {
    current: (conversation) =>
      guarded(
        async () => {
          const { Item } = await dynamo().send(
            new GetItemCommand({ TableName: tableName, Key: key(conversation), ConsistentRead: true }),
            closingCall(),
          );
          return Number(Item?.generation?.N ?? 0);
        },
        (error) => new SessionStoreError("read", error),
      ),
    next: (conversation) =>
      guarded(
        async () => {
          const { Attributes } = await dynamo().send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(conversation),
              UpdateExpression: "ADD generation :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
              ReturnValues: "UPDATED_NEW",
            }),
            closingCall(),
          );
          return Number(Attributes?.generation?.N ?? 1);
        },
        (error) => new SessionStoreError("write", error),
      ),
  };
}

/** No table (LEDGER_TABLE unset): every conversation stays in its first session. */
export const noSessions: Sessions = {
  current: async () => 0,
  next: async () => 0,
};
