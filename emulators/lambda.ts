/**
 * Lambda emulation for tests: API Gateway HTTP API (payload 2.0) events, a Lambda context, an SQS event
 * source mapping for FIFO queues (receive → SQSEvent → handler → delete per ReportBatchItemFailures),
 * fresh imports of built bundles, and a one-shot run of a bundle in a child `node` process.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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

// ---------------------------------------------------------------------------------------------------------
// API Gateway HTTP API payload 2.0

/** Input for {@link httpApiEvent}. */
export interface HttpApiEventInput {
  method?: string;
  /** The path, optionally with `?query` (merged with `query`). */
  path: string;
  /** Header values; arrays become repeated headers, which API Gateway joins with commas. */
  headers?: Record<string, string | string[]>;
  /** A string is sent as is, bytes are base64-encoded, other values are JSON-encoded (content-type added). */
  body?: string | Uint8Array | object;
  /** Deliver the body base64-encoded (as API Gateway does for binary media types). */
  isBase64Encoded?: boolean;
  /** Query parameters; arrays become repeated parameters. */
  query?: Record<string, string | string[]>;
  /** Route key (default `"<METHOD> <path>"`; Function URLs use `"$default"`). */
  routeKey?: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  /** Request time (default now). */
  time?: Date;
  stage?: string;
  domainName?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2020:19:03:58 +0000`, the requestContext.time format. */
function clf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Builds the event API Gateway HTTP API (payload format 2.0) sends a Lambda integration. */
export function httpApiEvent(input: HttpApiEventInput): APIGatewayProxyEventV2 {
  const method = (input.method ?? "GET").toUpperCase();
  const [rawPath = "/", pathQuery = ""] = input.path.split("?", 2) as [string, string?];
  const search = new URLSearchParams(pathQuery);
  for (const [key, value] of Object.entries(input.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const rawQueryString = search.toString();
  const time = input.time ?? new Date();
  const domainName = input.domainName ?? "abc123def4.execute-api.us-east-1.amazonaws.com";
  const sourceIp = input.sourceIp ?? "203.0.113.7";

  let body: string | undefined;
  let bodyBytes: Uint8Array | undefined;
  const headerInput: Record<string, string | string[]> = { ...input.headers };
  const hasHeader = (name: string) => Object.keys(headerInput).some((k) => k.toLowerCase() === name);
  if (input.body instanceof Uint8Array) bodyBytes = input.body;
  else if (typeof input.body === "string") bodyBytes = new TextEncoder().encode(input.body);
  else if (input.body !== undefined) {
    bodyBytes = new TextEncoder().encode(JSON.stringify(input.body));
    if (!hasHeader("content-type")) headerInput["content-type"] = "application/json";
  }
  const base64 = input.isBase64Encoded ?? input.body instanceof Uint8Array;
  if (bodyBytes !== undefined) {
    body = base64 ? Buffer.from(bodyBytes).toString("base64") : new TextDecoder().decode(bodyBytes);
    if (!hasHeader("content-length")) headerInput["content-length"] = String(bodyBytes.length);
  }

  // Headers API Gateway adds, unless the caller set them.
  const defaults: Record<string, string> = {
    host: domainName,
    "user-agent": "agentcore-relay-test/1.0",
    "x-amzn-trace-id": `Root=1-${Math.floor(time.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    "x-forwarded-for": sourceIp,
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  for (const [key, value] of Object.entries(defaults)) if (!hasHeader(key)) headerInput[key] = value;

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [key, value] of Object.entries(headerInput)) {
    const name = key.toLowerCase();
    const values = Array.isArray(value) ? value : [value];
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...values.flatMap((v) => v.split(";").map((c) => c.trim()))];
      continue;
    }
    headers[name] = headers[name] === undefined ? values.join(",") : `${headers[name]},${values.join(",")}`;
  }

  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of search) {
    queryStringParameters[key] =
      queryStringParameters[key] === undefined ? value : `${queryStringParameters[key]},${value}`;
  }

  const routeKey = input.routeKey ?? `${method} ${rawPath}`;
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: domainName.split(".")[0] ?? "abc123def4",
      domainName,
      domainPrefix: domainName.split(".")[0] ?? "abc123def4",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: `${randomUUID().slice(0, 8)}=`,
      routeKey,
      stage: input.stage ?? "$default",
      time: clf(time),
      timeEpoch: time.getTime(),
    },
    isBase64Encoded: body === undefined ? false : base64,
  };
  if (cookies) event.cookies = cookies;
  if (rawQueryString !== "") event.queryStringParameters = queryStringParameters;
  if (input.pathParameters) event.pathParameters = input.pathParameters;
  if (body !== undefined) event.body = body;
  return event;
}

// ---------------------------------------------------------------------------------------------------------
// Context

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

// ---------------------------------------------------------------------------------------------------------
// SQS event source mapping

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

// ---------------------------------------------------------------------------------------------------------
// Bundles

const TMP_DIR = resolve(new URL("../../.tmp/bundles/", import.meta.url).pathname);

/**
 * Imports a fresh copy of a built ESM bundle (copied under `.tmp/bundles/` with a unique name, then removed),
 * so module-level configuration is read from the current `process.env`. Bare imports (e.g. an external
 * `@aws-sdk/*`) still resolve from the repository's node_modules; relative imports would not.
 */
export async function loadBundle<M = Record<string, unknown>>(bundlePath: string): Promise<M> {
  await mkdir(TMP_DIR, { recursive: true });
  const copy = resolve(TMP_DIR, `${basename(bundlePath).replace(/\.m?js$/, "")}-${randomUUID()}.mjs`);
  await copyFile(bundlePath, copy);
  try {
    return (await import(pathToFileURL(copy).href)) as M;
  } finally {
    await rm(copy, { force: true });
  }
}

/** Options for {@link runInNode}. */
export interface RunInNodeOptions {
  /** The Node binary (default `node` on PATH: the system Node 20). */
  node?: string;
  /** Kill the child after this long (default 30 s). */
  timeoutMs?: number;
  /** The context's function timeout (default 30 s). */
  functionTimeoutMs?: number;
  /** The exported handler's name (default "handler"). */
  handlerName?: string;
}

/** What a child-process handler call produced. */
export interface NodeRun<R = unknown> {
  /** The handler's resolved value (JSON round-tripped; undefined when it returned nothing). */
  result: R;
  /** Everything the process wrote, minus the result line. */
  stdout: string;
  stderr: string;
  /** Node's `process.version` in the child. */
  nodeVersion: string;
}

const RESULT_MARKER = "__AGENTCORE_RELAY_RESULT__";

const RUNNER = `
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { bundle, handlerName, event, functionTimeoutMs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const deadline = Date.now() + functionTimeoutMs;
const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "agentcore-relay-test";
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: name,
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
  memoryLimitInMB: "256",
  awsRequestId: randomUUID(),
  logGroupName: "/aws/lambda/" + name,
  logStreamName: "2026/11/24/[$LATEST]test",
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
let outcome;
try {
  const mod = await import(pathToFileURL(bundle).href);
  const handler = mod[handlerName];
  if (typeof handler !== "function") throw new Error("bundle exports no function " + handlerName);
  const result = await handler(event, context);
  outcome = { ok: true, result: result === undefined ? null : result, undefined: result === undefined };
} catch (error) {
  outcome = { ok: false, error: { name: error?.name, message: error?.message, stack: error?.stack } };
}
process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify({ ...outcome, nodeVersion: process.version }) + "\\n", () => process.exit(0));
`;

/**
 * Runs one handler call of a built bundle in a child `node` process with exactly `env` (plus PATH, HOME and
 * the usual Lambda variables), so a test proves the bundle needs no Bun-only API. Rejects when the handler
 * throws or the process fails, with the child's output in the message.
 */
export async function runInNode<R = unknown>(
  bundlePath: string,
  event: unknown,
  env: Record<string, string | undefined> = {},
  options: RunInNodeOptions = {},
): Promise<NodeRun<R>> {
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    AWS_LAMBDA_FUNCTION_NAME: "agentcore-relay-test",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    TZ: "UTC",
    // Lambda runs Node 22; the SDK's "Node 20 is going away" warning would only be noise on stderr here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const input = JSON.stringify({
    bundle: resolve(bundlePath),
    handlerName: options.handlerName ?? "handler",
    event,
    functionTimeoutMs: options.functionTimeoutMs ?? 30_000,
  });
  const child = spawn(options.node ?? "node", ["--input-type=module", "-e", RUNNER], {
    env: childEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`runInNode: child timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolvePromise(exitCode);
    });
  });
  const index = stdout.lastIndexOf(`\n${RESULT_MARKER}`);
  if (index < 0) {
    throw new Error(`runInNode: no result (exit code ${code})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  const line = stdout.slice(index + RESULT_MARKER.length + 1).split("\n", 1)[0] ?? "";
  const outcome = JSON.parse(line) as {
    ok: boolean;
    result?: unknown;
    undefined?: boolean;
    error?: { name?: string; message?: string; stack?: string };
    nodeVersion: string;
  };
  const logs = stdout.slice(0, index);
  if (!outcome.ok) {
    const error = new Error(
      `handler threw in node ${outcome.nodeVersion}: ${outcome.error?.name}: ${outcome.error?.message}\n${outcome.error?.stack ?? ""}\nstdout:\n${logs}\nstderr:\n${stderr}`,
    );
    error.name = outcome.error?.name ?? "Error";
    throw error;
  }
  return {
    result: (outcome.undefined ? undefined : outcome.result) as R,
    stdout: logs,
    stderr,
    nodeVersion: outcome.nodeVersion,
  };
}
