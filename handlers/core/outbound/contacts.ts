import { GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { closingCall } from "../budget.ts";
import { dynamo, guarded } from "../dynamo.ts";
import { RelayError } from "../errors.ts";

/**
 * Who last talked to the agent in each conversation, so a message the agent starts goes only where an
 * allowed user talked to it: an outbound message to a conversation nobody allowed wrote in (or whose
 * last writer is no longer allowed) is refused. Kept in the relay's table (`LEDGER_TABLE`) as
 * `contact:<channel>:<conversation>` (threads of a conversation share it).
 */
export interface Contacts {
  /** `userId`, allowed, wrote in `conversation` (a `channel:conversation` key). */
  met(conversation: string, userId: string): Promise<void>;
  /** The user who last wrote in `conversation`, as recorded by `met`; undefined when none did. */
  lastUser(conversation: string): Promise<string | undefined>;
}

/** The table could not be read or written. */
export class ContactsError extends RelayError {
  override name = "ContactsError";
  constructor(operation: string, cause: unknown) {
    super(`contacts ${operation} failed`, { retryable: true, cause });
  }
}

/** Contacts in the DynamoDB table `tableName` (partition key `id`). */
export function dynamoContacts(tableName: string): Contacts {
  const key = (conversation: string) => ({ id: { S: `contact:${conversation}` } });
  return {
    met: (conversation, userId) =>
      guarded(
        async () => {
          await dynamo().send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(conversation),
              UpdateExpression: "SET userId = :u, metAt = :t",
              ExpressionAttributeValues: { ":u": { S: userId }, ":t": { N: String(Date.now()) } },
            }),
            closingCall(),
          );
        },
        (error) => new ContactsError("write", error),
      ),
    lastUser: (conversation) =>
      guarded(
        async () => {
          const { Item } = await dynamo().send(
            new GetItemCommand({ TableName: tableName, Key: key(conversation), ConsistentRead: true }),
            closingCall(),
          );
          return Item?.userId?.S;
        },
        (error) => new ContactsError("read", error),
      ),
  };
}

/** No table (LEDGER_TABLE unset): nobody is remembered. */
export const noContacts: Contacts = {
  met: async () => {},
  lastUser: async () => undefined,
};
