import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import * as v from "valibot";
import { type AgentFile, AgentFileSchema } from "./agent/files.ts";
import { closingCall } from "./budget.ts";
import { dynamo, guarded } from "./dynamo.ts";
import { LedgerError, seenUpdate } from "./ledger-seen.ts";
import { log } from "./log.ts";

export { LedgerError } from "./ledger-seen.ts";

/**
 * The outbound send ledger: what was already sent for an envelope, so a record delivered again
 * (the function timed out after sending, SQS redelivered it, a DLQ redrive) never produces a
 * second reply. Per envelope it keeps the agent's answer until it is fully delivered (a retry
 * resends only the missing chunks of the same answer, without asking the agent again) and how
 * many chunks went out; once complete, the text is dropped and a small marker stays until the
 * DynamoDB TTL removes it. Before each chunk goes out it is recorded as in flight, so a later attempt
 * knows which chunk may or may not have reached the platform (and asks the platform, where it can). A
 * streamed answer posts its messages before the agent is done: where they are (`refs`) is recorded as
 * they are posted, so a later attempt edits those messages instead of posting the answer again.
 */
export interface SendLedger {
  /** What is known about the envelope's reply; undefined when nothing was recorded. */
  get(envelopeId: string): Promise<LedgerEntry | undefined>;
  /**
   * The agent answered: keep the text until the reply is delivered (the refs of a stream are kept).
   * `burst`: how many messages of the conversation the answer is for (a burst merged into one agent call,
   * envelopeId its first), so a retry takes the same ones together again. `files`: the files the answer
   * sends after its text (agent/files.ts), parts after the text's, kept with it. `sending`: the part
   * about to go out first, recorded in flight in the same write (as `sending` would record it).
   */
  answered(
    envelopeId: string,
    text: string,
    burst?: number,
    files?: readonly AgentFile[],
    sending?: number,
  ): Promise<void>;
  /** A stream posted messages: where each part is, by index (all of them, replacing the last record). */
  posted(envelopeId: string, refs: readonly (string | undefined)[]): Promise<void>;
  /** Chunk `index` is about to go out. */
  sending(envelopeId: string, index: number): Promise<void>;
  /** `count` chunks of the reply are now delivered (none is in flight). */
  delivered(envelopeId: string, count: number): Promise<void>;
  /**
   * The platform confirmed chunk `index` (a delivery status webhook): a later attempt that finds it in
   * flight knows it arrived. Nothing is recorded for an envelope the ledger does not know.
   */
  seen(envelopeId: string, index: number): Promise<void>;
  /**
   * The whole reply is delivered: forget the text, remember that it was sent; with `delivered`, the
   * count of its parts too (the last part's delivery and the completion in one write).
   */
  complete(envelopeId: string, delivered?: number): Promise<void>;
}

export interface LedgerEntry {
  /** The agent's answer, while it is not fully delivered. */
  readonly text: string | undefined;
  /** The files it sends after the text (parts after the text's), while it is not fully delivered. */
  readonly files?: readonly AgentFile[];
  /** Chunks delivered so far. */
  readonly delivered: number;
  readonly complete: boolean;
  /** The chunk an attempt sent without recording the outcome, and when (epoch ms). */
  readonly inFlight: { readonly index: number; readonly since: number } | undefined;
  /** Chunks the platform confirmed. */
  readonly seen: readonly number[];
  /** How many messages the answer is for (1 unless a burst was merged). */
  readonly burst: number;
  /** Where a stream's posted messages are, by part index. */
  readonly refs: readonly (string | undefined)[];
}

/** How long an entry is kept: longer than a message can live in the queue and its DLQ (14 days). */
const TTL_SECONDS = 15 * 24 * 3600;
/** DynamoDB items hold 400 KB; longer answers are delivered without chunk-level resumption. */
const MAX_TEXT_BYTES = 300_000;

/** A ledger in the DynamoDB table `tableName` (partition key `id`, TTL attribute `expiresAt`). */
export function dynamoLedger(tableName: string): SendLedger {
  const key = (id: string) => ({ id: { S: id } });
  const expiresAt = () => ({ N: String(Math.floor(Date.now() / 1000) + TTL_SECONDS) });
  const guard = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
    guarded(run, (error) => new LedgerError(operation, error));
  const update = (id: string, input: Omit<UpdateItemCommandInput, "TableName" | "Key">) =>
    guard("write", async () => {
      await dynamo().send(
        new UpdateItemCommand({ TableName: tableName, Key: key(id), ...input }),
        closingCall(),
      );
    });
  return {
    get: (id) =>
      guard("read", async () => {
        const { Item } = await dynamo().send(
          new GetItemCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }),
          closingCall(),
        );
        if (!Item) return undefined;
        return {
          text: Item.text?.S,
          ...(Item.files?.S === undefined ? {} : { files: readFiles(Item.files.S) }),
          delivered: Number(Item.delivered?.N ?? 0),
          complete: Item.complete?.BOOL === true,
          inFlight:
            Item.sending?.N === undefined
              ? undefined
              : { index: Number(Item.sending.N), since: Number(Item.sendingAt?.N ?? 0) },
          seen: (Item.seen?.NS ?? []).map(Number),
          burst: Number(Item.burst?.N ?? 1),
          refs: readRefs(Item.refs),
        };
      }),
    answered: (id, text, burst = 1, files = [], sending?: number) => {
      const listed = files.length > 0 ? JSON.stringify(files) : undefined;
      const keep = Buffer.byteLength(text) + Buffer.byteLength(listed ?? "") <= MAX_TEXT_BYTES;
      if (!keep) log.warn("ledger.text_too_long", { envelopeId: id, chars: text.length });
      const set = [...(keep ? ["#text = :x"] : []), "delivered = :z", "complete = :f", "expiresAt = :e"];
      if (burst > 1) set.push("burst = :b");
      if (keep && listed !== undefined) set.push("files = :l");
      if (sending !== undefined) set.push("sending = :i", "sendingAt = :t");
      return update(id, {
        UpdateExpression: `SET ${set.join(", ")}${keep && listed === undefined ? " REMOVE files" : ""}`,
        ...(keep ? { ExpressionAttributeNames: { "#text": "text" } } : {}),
        ExpressionAttributeValues: {
          ...(keep ? { ":x": { S: text } } : {}),
          ...(keep && listed !== undefined ? { ":l": { S: listed } } : {}),
          ...(burst > 1 ? { ":b": { N: String(burst) } } : {}),
          ...(sending !== undefined ? { ":i": { N: String(sending) }, ":t": { N: String(Date.now()) } } : {}),
          ":z": { N: "0" },
          ":f": { BOOL: false },
          ":e": expiresAt(),
        },
      });
    },
    posted: (id, refs) =>
      update(id, {
        UpdateExpression: "SET refs = :r, expiresAt = :e REMOVE sending, sendingAt",
        ExpressionAttributeValues: { ":r": writeRefs(refs), ":e": expiresAt() },
      }),
    sending: (id, index) =>
      update(id, {
        UpdateExpression: "SET sending = :i, sendingAt = :t",
        ExpressionAttributeValues: { ":i": { N: String(index) }, ":t": { N: String(Date.now()) } },
      }),
    delivered: (id, count) =>
      update(id, {
        UpdateExpression: "SET delivered = :n, expiresAt = :e REMOVE sending, sendingAt",
        ExpressionAttributeValues: { ":n": { N: String(count) }, ":e": expiresAt() },
      }),
    seen: (id, index) =>
      update(id, seenUpdate(index)).catch((error: unknown) => {
        // No entry: not a reply the ledger knows (or it expired): nothing to record.
        if (!(error instanceof LedgerError && error.cause instanceof ConditionalCheckFailedException))
          throw error;
      }),
    complete: (id, delivered) =>
      update(id, {
        UpdateExpression: `SET complete = :t, ${delivered === undefined ? "" : "delivered = :n, "}expiresAt = :e REMOVE #text, sending, sendingAt, refs, files`,
        ExpressionAttributeNames: { "#text": "text" },
        ExpressionAttributeValues: {
          ":t": { BOOL: true },
          ":e": expiresAt(),
          ...(delivered === undefined ? {} : { ":n": { N: String(delivered) } }),
        },
      }),
  };
}

/** The files an entry keeps (written by `answered` from checked files; an unreadable list is none). */
function readFiles(listed: string): AgentFile[] {
  try {
    const parsed = v.safeParse(v.array(AgentFileSchema), JSON.parse(listed));
    if (parsed.success) return parsed.output;
  } catch {
    // not JSON: below
  }
  log.warn("ledger.files_unreadable", {});
  return [];
}

/** Refs as a map from part index to ref (`{"0": "42"}`): a list cannot hold the gaps. */
function writeRefs(refs: readonly (string | undefined)[]): AttributeValue {
  const map: Record<string, AttributeValue> = {};
  for (const [index, ref] of refs.entries()) if (ref !== undefined) map[String(index)] = { S: ref };
  return { M: map };
}

function readRefs(value: AttributeValue | undefined): (string | undefined)[] {
  const refs: (string | undefined)[] = [];
  for (const [index, ref] of Object.entries(value?.M ?? {})) {
    if (/^\d{1,4}$/.test(index) && ref.S !== undefined) refs[Number(index)] = ref.S;
  }
  return Array.from(refs);
}

/** No ledger (LEDGER_TABLE unset): every delivery is treated as the first. */
export const noLedger: SendLedger = {
  get: async () => undefined,
  answered: async () => {},
  posted: async () => {},
  sending: async () => {},
  delivered: async () => {},
  seen: async () => {},
  complete: async () => {},
};
