import { AsyncLocalStorage } from "node:async_hooks";
import { RelayError } from "./errors.ts";

/**
 * Structured logs: one JSON line per event (CloudWatch keeps one line per record). Each level goes
 * through the console method of the same name, which the Lambda Node.js runtime labels with that level
 * (console.warn → WARN, console.error → ERROR), so a warning is never counted as an error. Lines written
 * during an invocation carry its `requestId` and whether it was the container's first (`coldStart`).
 * Never pass secrets or message text above debug level.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return rank[level as LogLevel] ?? rank.info;
}

/** The fields of the invocation being handled, if any. */
const invocation = new AsyncLocalStorage<LogFields>();
let cold = true;

/**
 * Runs `run` as one Lambda invocation: every line it logs carries the request id and the cold-start flag
 * (true for the first invocation of this container only).
 * @example return inInvocation(context, () => handle(event));
 */
export function inInvocation<T>(
  context: { awsRequestId?: string } | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const fields: LogFields = { requestId: context?.awsRequestId, coldStart: cold };
  cold = false;
  return invocation.run(fields, run);
}

/**
 * A Lambda handler whose lines carry the invocation's request id and cold-start flag.
 * @example export const handler = logInvocations(createWorker(telegram));
 */
export function logInvocations<Event, Context extends { awsRequestId?: string }, Result>(
  handler: (event: Event, context?: Context) => Promise<Result>,
): (event: Event, context?: Context) => Promise<Result> {
  return (event, context) => inInvocation(context, () => handler(event, context));
}

/** Error fields that are safe to log: names, codes, statuses and our errors' typed fields. */
const TYPED = ["code", "status", "platform", "method", "reason", "retryable", "retryAfterSeconds"] as const;

/** How deep a cause chain is followed. */
const MAX_CAUSES = 5;

/**
 * What identifies an error without its message (which may hold a URL with a token, or user text):
 * its name, code and HTTP status — AWS SDK errors' `$metadata.httpStatusCode`, `$fault` and request id,
 * Node's `code` (ECONNREFUSED) — and the typed fields of our own errors.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { name: typeof error };
  const loose = error as unknown as Record<string, unknown> & {
    Code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const fields: LogFields = { name: error.name };
  for (const key of TYPED) if (loose[key] !== undefined) fields[key] = loose[key];
  if (fields.code === undefined && loose.Code !== undefined) fields.code = loose.Code;
  const meta = loose.$metadata;
  if (fields.status === undefined && meta?.httpStatusCode !== undefined) fields.status = meta.httpStatusCode;
  if (loose.$fault !== undefined) fields.fault = loose.$fault;
  if (meta?.requestId !== undefined) fields.awsRequestId = meta.requestId;
  return fields;
}

/** Stack frames without the first line (which repeats the message). */
function frames(error: Error): string[] {
  return (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
}

/**
 * The fields of an `err`: `errorName`, our own errors' message as `error` (written to hold no secret),
 * their typed fields, the cause chain as `causes` (each by {@link describeError}), and at debug level
 * the stack frames.
 */
function errorFields(error: unknown, debug: boolean): LogFields {
  const { name, ...typed } = describeError(error);
  const fields: LogFields = { errorName: name, ...typed };
  if (error instanceof RelayError) fields.error = error.message;
  const causes: LogFields[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && causes.length < MAX_CAUSES) {
    causes.push(describeError(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (causes.length > 0) fields.causes = causes;
  if (debug && error instanceof Error) fields.stack = frames(error);
  return fields;
}

const write = {
  debug: (line: string) => console.debug(line),
  info: (line: string) => console.info(line),
  warn: (line: string) => console.warn(line),
  error: (line: string) => console.error(line),
};

function emit(level: LogLevel, event: string, fields: LogFields | undefined): void {
  const floor = threshold();
  if (rank[level] < floor) return;
  const { err, ...rest } = fields ?? {};
  const line = {
    level,
    event,
    ...invocation.getStore(),
    ...rest,
    ...(err === undefined ? {} : errorFields(err, floor <= rank.debug)),
    time: Date.now(),
  };
  write[level](JSON.stringify(line));
}

/**
 * The logger. Pass an error as `err` to log its name, typed fields and cause chain (its stack only at
 * debug level).
 * @example log.info("enqueued", { envelopeId, channel: "telegram" })
 */
export const log = {
  debug: (event: string, fields?: LogFields) => emit("debug", event, fields),
  info: (event: string, fields?: LogFields) => emit("info", event, fields),
  warn: (event: string, fields?: LogFields) => emit("warn", event, fields),
  error: (event: string, fields?: LogFields) => emit("error", event, fields),
};
