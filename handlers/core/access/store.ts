import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { closingCall } from "../budget.ts";
import { dynamo, guarded } from "../dynamo.ts";
import { RelayError } from "../errors.ts";
import { CODE_TTL_MS, newCode } from "./codes.ts";
import { GROUP_MODES, type GroupMode } from "./settings.ts";

/**
 * What the access control keeps in the relay's table (`LEDGER_TABLE`, partition key `id`), per channel.
 * Items, by the prefix of their id (docs/architecture.md "Access"):
 *
 * - `user:<channel>:<user id>`, `group:<channel>:<conversation>`: a grant (who allowed it, when, a name)
 *   and, for a group, when it is answered (`mode`); or a pairing code asked for and not yet answered.
 *   No expiry while granted; a stranger's is removed a day after their code expired.
 * - `pair:<channel>:<code>`: a pairing request (who asks, where to tell them), valid an hour, used once.
 * - `rate:<channel>:<user id>`: the user's messages this minute and this UTC day.
 * - `cap:<channel>:<day>`: the deployment's agent invocations that day; `capped:<channel>:<day>:<user>`:
 *   the user was told the cap is reached; `codes:<channel>:<hour>`: pairing codes given out that hour.
 * - `admin:<channel>:<user id>`: when an admin last wrote (for platforms that let a bot write only within a
 *   while of that, WhatsApp's 24 hours).
 *
 * Grants and live pairing requests carry `list = <channel>`, the partition key of the table's `access`
 * index, so listing them is one Query (the admins' /users, the owner's `bun run access list`).
 */
export interface AccessStore {
  /** The grant or pending request of a user or group; undefined when none. */
  record(subject: Subject): Promise<AccessRecord | undefined>;
  /**
   * Gives `subject` a pairing code, unless it already has one that is still valid (then `pending`); the
   * same envelope asking again (a retry) gets the code it got before. `busy`: more codes were given out this
   * hour than admins should be asked about.
   */
  request(input: PairInput, record: AccessRecord | undefined): Promise<RequestOutcome>;
  /** Uses a code once (an envelope using it again, a retry, gets the same request); undefined when unknown, used or expired. */
  redeem(code: string, envelopeId: string, now: number): Promise<PairRequest | undefined>;
  grant(subject: Subject, grant: Grant): Promise<void>;
  /** Takes a grant back; false when there was none. */
  revoke(subject: Subject, now: number): Promise<boolean>;
  /** Sets when a group is answered (kept across a revoke and a new allow). */
  setMode(group: Subject, mode: GroupMode): Promise<void>;
  /** Every grant and every live pairing request. */
  list(now: number): Promise<AccessList>;
  /** Counts `n` messages of `userId`: the counts this minute and this UTC day, them included. */
  count(userId: string, n: number, now: number): Promise<{ minute: number; day: number }>;
  /** Counts one agent invocation of the deployment: today's count, it included. */
  invocation(now: number): Promise<number>;
  /** Whether this is the first time today `userId` is told the daily cap is reached (it is now recorded). */
  firstCapNotice(userId: string, now: number): Promise<boolean>;
  /** Records that admin `userId` wrote now. */
  seen(userId: string, now: number): Promise<void>;
  /** When admin `userId` last wrote (epoch ms), if known. */
  lastSeen(userId: string): Promise<number | undefined>;
}

/** A user (by platform user id) or a group (by conversation id). */
export interface Subject {
  readonly kind: "user" | "group";
  readonly id: string;
}

export interface Grant {
  readonly at: number;
  /** The admin's user id, or `cli` / `config`. */
  readonly by: string;
  readonly name?: string;
}

export interface AccessRecord {
  readonly granted?: Grant;
  /** A group's own setting of when it is answered. */
  readonly mode?: GroupMode;
  /** The pairing code given out and not answered yet, until it expires. */
  readonly pending?: { readonly code: string; readonly expires: number; readonly envelope: string };
}

/** What a pairing request records. */
export interface PairInput {
  readonly subject: Subject;
  /** The user's name, or the group member's who asked. */
  readonly name?: string;
  /** Who asked (for a group, the member who wrote). */
  readonly by: string;
  /** Where the subject is told the answer: the asking message's reply context. */
  readonly reply: Record<string, unknown>;
  /** The envelope that asked: a retry of it gets the same code. */
  readonly envelope: string;
  readonly now: number;
}

export interface PairRequest extends Omit<PairInput, "now" | "envelope"> {
  readonly code: string;
  readonly expires: number;
}

export type RequestOutcome =
  | { readonly code: string; readonly expires: number; readonly fresh: boolean }
  | { readonly pending: true }
  | { readonly busy: true };

export interface AccessList {
  readonly grants: readonly { readonly subject: Subject; readonly grant: Grant; readonly mode?: GroupMode }[];
  readonly pending: readonly PairRequest[];
}

/** The table could not be read or written: the message goes back to SQS. */
export class AccessStoreError extends RelayError {
  override name = "AccessStoreError";
  constructor(operation: string, cause: unknown) {
    super(`access store ${operation} failed`, { retryable: true, cause });
  }
}

/** The index listing grants and pairing requests (partition key `list`), as modules/lib/ledger.ts makes it. */
export const ACCESS_INDEX = "access";

/** Pairing codes given out per hour at most: more strangers than that are told to try later, admins not asked. */
export const MAX_CODES_PER_HOUR = 30;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Counters and markers are kept a day longer than they count. */
const KEEP_MS = 2 * DAY;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const seconds = (ms: number) => N(Math.floor(ms / 1000));
const num = (value: AttributeValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));
const conditionFailed = (error: unknown) =>
  error instanceof AccessStoreError && error.cause instanceof ConditionalCheckFailedException;

/**
 * The access store of `channel` in the DynamoDB table `tableName`, through `client` (default: the handlers'
 * own, made on first use).
 * @example const store = dynamoAccessStore("my-bot-ledger", "telegram"); await store.record({ kind: "user", id: "7" });
 */
export function dynamoAccessStore(
  tableName: string,
  channel: string,
  client: () => DynamoDBClient = dynamo,
): AccessStore {
  const key = (id: string) => ({ id: S(id) });
  const subjectId = (s: Subject) => `${s.kind}:${channel}:${s.id}`;
  const guard = <T>(operation: string, run: () => Promise<T>) =>
    guarded(run, (error) => new AccessStoreError(operation, error));
  const get = (id: string) =>
    guard("read", async () => {
      const { Item } = await client().send(
        new GetItemCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }),
        closingCall(),
      );
      return Item;
    });
  const update = (id: string, input: Omit<UpdateItemCommandInput, "TableName" | "Key">) =>
    guard("write", async () => {
      const { Attributes } = await client().send(
        new UpdateItemCommand({ TableName: tableName, Key: key(id), ...input }),
        closingCall(),
      );
      return Attributes;
    });
  /** Like `update`, but a failed condition gives undefined instead of an error. */
  const updateIf = (id: string, input: Omit<UpdateItemCommandInput, "TableName" | "Key">) =>
    update(id, input).catch((error: unknown) => {
      if (conditionFailed(error)) return undefined;
      throw error;
    });
  const counter = async (id: string, ttl: number) =>
    num(
      (
        await update(id, {
          UpdateExpression: "ADD n :one SET expiresAt = :ttl",
          ExpressionAttributeValues: { ":one": N(1), ":ttl": seconds(ttl) },
          ReturnValues: "UPDATED_NEW",
        })
      )?.n,
    ) ?? 1;

  return {
    async record(subject) {
      const item = await get(subjectId(subject));
      return item === undefined ? undefined : readRecord(item);
    },

    async request(input, record) {
      const { subject, envelope, now } = input;
      const pending = record?.pending;
      if (pending && pending.envelope === envelope)
        return { code: pending.code, expires: pending.expires, fresh: false };
      if (pending && pending.expires > now) return { pending: true };
      if ((await counter(`codes:${channel}:${Math.floor(now / HOUR)}`, now + KEEP_MS)) > MAX_CODES_PER_HOUR)
        return { busy: true };
      const expires = now + CODE_TTL_MS;
      const code = await putPair(input, expires);
      const asked = await updateIf(subjectId(subject), {
        UpdateExpression: "SET code = :code, codeExpires = :expires, codeFor = :envelope, expiresAt = :ttl",
        ConditionExpression:
          "attribute_not_exists(grantedAt) AND (attribute_not_exists(codeExpires) OR codeExpires < :now)",
        ExpressionAttributeValues: {
          ":code": S(code),
          ":expires": N(expires),
          ":envelope": S(envelope),
          ":now": N(now),
          ":ttl": seconds(expires + DAY),
        },
        ReturnValues: "UPDATED_NEW",
      });
      if (asked !== undefined) return { code, expires, fresh: true };
      // Asked meanwhile by another message (or allowed): this request is void.
      await update(`pair:${channel}:${code}`, {
        UpdateExpression: "SET usedAt = :now REMOVE #list",
        ExpressionAttributeNames: { "#list": "list" },
        ExpressionAttributeValues: { ":now": N(now) },
      });
      return { pending: true };
    },

    async redeem(code, envelopeId, now) {
      const item = await updateIf(`pair:${channel}:${code}`, {
        UpdateExpression: "SET usedAt = if_not_exists(usedAt, :now), usedFor = :envelope REMOVE #list",
        ConditionExpression:
          "attribute_exists(id) AND expires > :now AND (attribute_not_exists(usedFor) OR usedFor = :envelope)",
        ExpressionAttributeNames: { "#list": "list" },
        ExpressionAttributeValues: { ":now": N(now), ":envelope": S(envelopeId) },
        ReturnValues: "ALL_NEW",
      });
      return item === undefined ? undefined : readPair(item);
    },

    async grant(subject, grant) {
      await update(subjectId(subject), {
        UpdateExpression:
          "SET grantedAt = :at, grantedBy = :by, #list = :channel" +
          (grant.name === undefined ? "" : ", #name = :name") +
          " REMOVE code, codeExpires, codeFor, expiresAt",
        ExpressionAttributeNames: {
          "#list": "list",
          ...(grant.name === undefined ? {} : { "#name": "name" }),
        },
        ExpressionAttributeValues: {
          ":at": N(grant.at),
          ":by": S(grant.by),
          ":channel": S(channel),
          ...(grant.name === undefined ? {} : { ":name": S(grant.name) }),
        },
      });
    },

    async revoke(subject, now) {
      const done = await updateIf(subjectId(subject), {
        UpdateExpression: "REMOVE grantedAt, grantedBy, #list SET expiresAt = :ttl",
        ConditionExpression: "attribute_exists(grantedAt)",
        ExpressionAttributeNames: { "#list": "list" },
        ExpressionAttributeValues: { ":ttl": seconds(now + DAY) },
        ReturnValues: "UPDATED_OLD",
      });
      return done !== undefined;
    },

    async setMode(group, mode) {
      await update(subjectId(group), {
        UpdateExpression: "SET #mode = :mode",
        ExpressionAttributeNames: { "#mode": "mode" },
        ExpressionAttributeValues: { ":mode": S(mode) },
      });
    },

    list: (now) =>
      guard("read", async () => {
        const grants: AccessList["grants"][number][] = [];
        const pending: PairRequest[] = [];
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await client().send(
            new QueryCommand({
              TableName: tableName,
              IndexName: ACCESS_INDEX,
              KeyConditionExpression: "#list = :channel",
              ExpressionAttributeNames: { "#list": "list" },
              ExpressionAttributeValues: { ":channel": S(channel) },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
            closingCall(),
          );
          for (const item of page.Items ?? []) {
            const id = item.id?.S ?? "";
            if (id.startsWith("pair:")) {
              const request = readPair(item);
              if (request.expires > now && item.usedAt === undefined) pending.push(request);
              continue;
            }
            const { granted, mode } = readRecord(item);
            const [kind, , ...rest] = id.split(":");
            if (granted && (kind === "user" || kind === "group"))
              grants.push({
                subject: { kind, id: rest.join(":") },
                grant: granted,
                ...(mode ? { mode } : {}),
              });
          }
          start = page.LastEvaluatedKey;
        } while (start);
        return { grants, pending };
      }),

    async count(userId, n, now) {
      const id = `rate:${channel}:${userId}`;
      const minute = Math.floor(now / MINUTE);
      const day = Math.floor(now / DAY);
      const values = { ":n": N(n), ":m": N(minute), ":d": N(day) };
      const counts = (item: Record<string, AttributeValue> | undefined) =>
        item && { minute: num(item.mc) ?? n, day: num(item.dc) ?? n };
      // One write while the minute lasts; the first message of a minute or a day resets its count.
      // Each step's condition holds in exactly one state of the item, so racing writers retry.
      for (let round = 0; round < 3; round++) {
        const same = await updateIf(id, {
          UpdateExpression: "ADD mc :n, dc :n",
          ConditionExpression: "m >= :m AND d >= :d",
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        });
        if (same) return counts(same) as { minute: number; day: number };
        const newMinute = await updateIf(id, {
          UpdateExpression: "SET m = :m, mc = :n ADD dc :n",
          ConditionExpression: "d = :d AND m < :m",
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        });
        if (newMinute) return counts(newMinute) as { minute: number; day: number };
        const newDay = await updateIf(id, {
          UpdateExpression: "SET m = :m, d = :d, mc = :n, dc = :n, expiresAt = :ttl",
          ConditionExpression: "attribute_not_exists(d) OR d < :d",
          ExpressionAttributeValues: { ...values, ":ttl": seconds(now + KEEP_MS) },
          ReturnValues: "ALL_NEW",
        });
        if (newDay) return counts(newDay) as { minute: number; day: number };
      }
      throw new AccessStoreError("count", new Error("the counter kept changing under the update"));
    },

    invocation: (now) => counter(`cap:${channel}:${Math.floor(now / DAY)}`, now + KEEP_MS),

    async firstCapNotice(userId, now) {
      const id = `capped:${channel}:${Math.floor(now / DAY)}:${userId}`;
      return (
        (await updateIf(id, {
          UpdateExpression: "SET expiresAt = :ttl",
          ConditionExpression: "attribute_not_exists(id)",
          ExpressionAttributeValues: { ":ttl": seconds(now + KEEP_MS) },
          ReturnValues: "UPDATED_NEW",
        })) !== undefined
      );
    },

    async seen(userId, now) {
      await update(`admin:${channel}:${userId}`, {
        UpdateExpression: "SET seenAt = :now",
        ExpressionAttributeValues: { ":now": N(now) },
      });
    },

    async lastSeen(userId) {
      return num((await get(`admin:${channel}:${userId}`))?.seenAt);
    },
  };

  /** Writes a new pairing request under a code no live request has. */
  async function putPair(input: PairInput, expires: number): Promise<string> {
    for (let tries = 0; ; tries++) {
      const code = newCode();
      try {
        await guard("write", () =>
          client().send(
            new PutItemCommand({
              TableName: tableName,
              Item: {
                id: S(`pair:${channel}:${code}`),
                kind: S(input.subject.kind),
                subject: S(input.subject.id),
                by: S(input.by),
                ...(input.name === undefined ? {} : { name: S(input.name) }),
                reply: S(JSON.stringify(input.reply)),
                expires: N(expires),
                list: S(channel),
                expiresAt: seconds(expires + DAY),
              },
              ConditionExpression: "attribute_not_exists(id) OR expires < :now",
              ExpressionAttributeValues: { ":now": N(input.now) },
            }),
            closingCall(),
          ),
        );
        return code;
      } catch (error) {
        if (!conditionFailed(error) || tries >= 3) throw error;
      }
    }
  }
}

function readRecord(item: Record<string, AttributeValue>): AccessRecord {
  const at = num(item.grantedAt);
  const expires = num(item.codeExpires);
  const mode = item.mode?.S;
  return {
    ...(at === undefined
      ? {}
      : {
          granted: {
            at,
            by: item.grantedBy?.S ?? "",
            ...(item.name?.S === undefined ? {} : { name: item.name.S }),
          },
        }),
    ...(mode !== undefined && (GROUP_MODES as readonly string[]).includes(mode)
      ? { mode: mode as GroupMode }
      : {}),
    ...(expires === undefined || item.code?.S === undefined
      ? {}
      : { pending: { code: item.code.S, expires, envelope: item.codeFor?.S ?? "" } }),
  };
}

function readPair(item: Record<string, AttributeValue>): PairRequest {
  const id = item.id?.S ?? "";
  let reply: Record<string, unknown> = {};
  try {
    reply = JSON.parse(item.reply?.S ?? "{}") as Record<string, unknown>;
  } catch {
    // written by us as JSON; an unreadable one only loses where to tell the subject
  }
  return {
    code: id.slice(id.lastIndexOf(":") + 1),
    subject: { kind: item.kind?.S === "group" ? "group" : "user", id: item.subject?.S ?? "" },
    by: item.by?.S ?? "",
    ...(item.name?.S === undefined ? {} : { name: item.name.S }),
    reply,
    expires: num(item.expires) ?? 0,
  };
}
