/**
 * Lambda, locally: a context whose remaining time counts down, and the SQS event source mapping for FIFO
 * queues (receive → SQSEvent → handler → delete per ReportBatchItemFailures), one poll or until empty.
 */
import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from "aws-lambda";

/** Options for {@link lambdaContext}. */
export interface LambdaContextOptions {
  /** The function timeout (default 30 s); getRemainingTimeInMillis counts down from it. */
  timeoutMs?: number;
  functionName?: string;
  memoryLimitInMB?: number;
}

/** A Lambda context whose getRemainingTimeInMillis() counts down from `timeoutMs` starting now. */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const functionName = options.functionName ?? "agentcore-relay-test";
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error("callback-style context methods are not supported; return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 256),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/11/24/[$LATEST]${randomUUID().replace(/-/g, "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Converts one received SQS message to the record Lambda puts in an SQSEvent. */
export function sqsRecord(message: Message, queueArn: string, region = "us-east-1"): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    const attribute: SQSMessageAttributes[string] = {
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? "String",
    };
    if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
    if (value.BinaryValue !== undefined)
      attribute.binaryValue = Buffer.from(value.BinaryValue).toString("base64");
    messageAttributes[name] = attribute;
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: { ...(message.Attributes ?? {}) } as unknown as SQSRecordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** Anything with an SQS client (a {@link LocalSqs} works). */
export interface SqsAccess {
  client: SQSClient;
  region?: string;
}

/** A worker handler as Lambda calls it. */
export type SqsHandler = (event: SQSEvent, context: Context) => unknown;

/** A bundle's ingress `handler`, as Lambda calls it behind API Gateway. */
export type IngressHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

/** A bundle's worker `handler`: SQS batches, and the module's setup/teardown actions. */
export type WorkerHandler = (
  event: SQSEvent | Record<string, unknown>,
  context?: Context,
) => Promise<unknown>;

/** Options for {@link pollSqsOnce} and {@link drain}. */
export interface PollOptions {
  /** Batch size, 1–10 (default 10, Lambda's FIFO maximum). */
  maxMessages?: number;
  /** Long-poll wait (default 0). */
  waitTimeSeconds?: number;
  /** The function timeout (default 30 s): a handler still running then counts as failed, like Lambda. */
  timeoutMs?: number;
  /**
   * Make records that were not deleted visible again at once (ChangeMessageVisibility 0), so the next poll
   * retries them; real Lambda waits out the visibility timeout instead. Default true.
   */
  releaseFailed?: boolean;
}

/** What one poll did. */
export interface PollResult {
  /** The event given to the handler (no handler call when it has no records). */
  event: SQSEvent;
  /** Whether the handler was called. */
  invoked: boolean;
  /** What the handler returned. */
  result: unknown;
  /** What the handler threw (or the timeout), if it did. */
  error?: unknown;
  /** Message ids deleted from the queue (the successes). */
  deleted: string[];
  /** Message ids left on the queue (to be retried, or redriven to the DLQ). */
  failed: string[];
  /** Why the whole batch counted as failed, when it did. */
  batchFailure?: "threw" | "timeout" | "invalid-response";
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The failed message ids per Lambda's ReportBatchItemFailures rules, or "invalid" when Lambda would treat
 * the response as a failure of the whole batch.
 */
export function batchItemFailures(result: unknown, event: SQSEvent): string[] | "invalid" {
  if (result === undefined || result === null) return [];
  if (!isRecord(result)) return "invalid";
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return "invalid";
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed: string[] = [];
  for (const failure of failures as unknown[]) {
    if (!isRecord(failure)) return "invalid";
    const id = failure.itemIdentifier;
    if (typeof id !== "string" || id === "" || !ids.has(id)) return "invalid";
    failed.push(id);
  }
  return failed;
}

/**
 * One poll of a Lambda SQS event source mapping with ReportBatchItemFailures: receive a batch with all
 * system and message attributes, call `handler(event, context)`, delete the records it did not report as
 * failed (none when it threw, timed out or answered invalidly), and release the rest (see `releaseFailed`).
 */
export async function pollSqsOnce(
  sqs: SqsAccess,
  queueUrl: string,
  queueArn: string,
  handler: SqsHandler,
  options: PollOptions = {},
): Promise<PollResult> {
  const region = sqs.region ?? "us-east-1";
  const received = await sqs.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.maxMessages ?? 10,
      WaitTimeSeconds: options.waitTimeSeconds ?? 0,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  const messages = received.Messages ?? [];
  const event: SQSEvent = { Records: messages.map((m) => sqsRecord(m, queueArn, region)) };
  if (messages.length === 0) return { event, invoked: false, result: undefined, deleted: [], failed: [] };

  const timeoutMs = options.timeoutMs ?? 30_000;
  const context = lambdaContext({ timeoutMs });
  let result: unknown;
  let error: unknown;
  let batchFailure: PollResult["batchFailure"];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    result = await Promise.race([
      Promise.resolve().then(() => handler(event, context)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          batchFailure = "timeout";
          reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`));
        }, timeoutMs);
      }),
    ]);
  } catch (thrown) {
    error = thrown;
    batchFailure ??= "threw";
  } finally {
    clearTimeout(timer);
  }

  let failedIds: string[];
  if (batchFailure) failedIds = event.Records.map((r) => r.messageId);
  else {
    const reported = batchItemFailures(result, event);
    if (reported === "invalid") {
      batchFailure = "invalid-response";
      failedIds = event.Records.map((r) => r.messageId);
    } else failedIds = reported;
  }
  const failedSet = new Set(failedIds);
  const toDelete = event.Records.filter((r) => !failedSet.has(r.messageId));
  const toRelease = event.Records.filter((r) => failedSet.has(r.messageId));
  if (toDelete.length > 0) {
    await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: toDelete.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  if (toRelease.length > 0 && (options.releaseFailed ?? true)) {
    await sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: toRelease.map((r, i) => ({
          Id: String(i),
          ReceiptHandle: r.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  const outcome: PollResult = {
    event,
    invoked: true,
    result,
    deleted: toDelete.map((r) => r.messageId),
    failed: toRelease.map((r) => r.messageId),
  };
  if (error !== undefined) outcome.error = error;
  if (batchFailure) outcome.batchFailure = batchFailure;
  return outcome;
}

/** What {@link drain} did. */
export interface DrainResult {
  polls: PollResult[];
  /** Handler calls made. */
  invocations: number;
  /** Message ids deleted over all polls. */
  deleted: string[];
  /** True when it stopped because a poll found the queue empty (false: `maxPolls` was hit). */
  empty: boolean;
}

/** Polls like {@link pollSqsOnce} until a poll receives nothing, or `maxPolls` (default 50) is reached. */
export async function drain(
  sqs: SqsAccess,
  queueUrl: string,
  queueArn: string,
  handler: SqsHandler,
  options: PollOptions & { maxPolls?: number } = {},
): Promise<DrainResult> {
  const polls: PollResult[] = [];
  const maxPolls = options.maxPolls ?? 50;
  while (polls.length < maxPolls) {
    const poll = await pollSqsOnce(sqs, queueUrl, queueArn, handler, options);
    if (!poll.invoked) {
      return { polls, invocations: polls.length, deleted: polls.flatMap((p) => p.deleted), empty: true };
    }
    polls.push(poll);
  }
  return { polls, invocations: polls.length, deleted: polls.flatMap((p) => p.deleted), empty: false };
}
