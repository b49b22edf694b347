/**
 * When to try an AWS call again, as the SDK's standard retry strategy decides it (@smithy/core
 * `StandardRetryStrategy` with its 2026 settings): throttling, transient network and 5xx answers are
 * retried with full-jitter exponential back-off (50 ms base, 1 s for throttling, at most 20 s, never
 * sooner than a `Retry-After`, up to 5 s past the back-off), up to `AWS_MAX_ATTEMPTS` attempts
 * (default 3), while the process's retry quota (500, a retry costs 14, or 5 after throttling) lasts.
 */
import type { ResponseMetadata } from "./errors.ts";

const THROTTLING = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** How the SDK files an error: only throttling and transient ones are retried. */
export type ErrorKind = "throttling" | "transient" | "other";

type Loose = {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: ResponseMetadata;
};

function isTransient(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as Loose;
  if (e.name === "AbortError") return false;
  return (
    e.$metadata?.clockSkewCorrected === true ||
    (e.name === "InvalidSignatureException" && String(e.message).includes("Signature expired")) ||
    TRANSIENT_NAMES.has(String(e.name)) ||
    NETWORK_CODES.has(String(e.code)) ||
    TRANSIENT_STATUSES.has(e.$metadata?.httpStatusCode ?? 0) ||
    (depth < 10 && isTransient(e.cause, depth + 1))
  );
}

/** Whether `error` is throttling, transient (network, timeout, 500/502/503/504), or neither. */
export function errorKind(error: unknown): ErrorKind {
  const e = (typeof error === "object" && error !== null ? error : {}) as Loose;
  if (
    e.$metadata?.httpStatusCode === 429 ||
    THROTTLING.has(String(e.name)) ||
    THROTTLING.has(String(e.Code))
  ) {
    return "throttling";
  }
  return isTransient(error) ? "transient" : "other";
}

/** Attempts per call: `AWS_MAX_ATTEMPTS` (a whole number from 1), else 3, as the SDK reads it. */
export function maxAttempts(): number {
  const value = Number(process.env.AWS_MAX_ATTEMPTS?.trim() || 3);
  return Number.isInteger(value) && value >= 1 ? value : 3;
}

const MAX_DELAY_MS = 20_000;
const INITIAL_QUOTA = 500;

const costOf = (kind: ErrorKind) => (kind === "throttling" ? 5 : 14);

/**
 * The retries of one service's calls in this process (the SDK keeps one per client): how long to wait
 * before the next attempt, while the quota lasts. Successes give back what their retries took.
 */
export class RetryPolicy {
  #quota = INITIAL_QUOTA;
  #lastCost = 0;

  /**
   * The wait before retry number `retries + 1` after an error of `kind`, or undefined when the call must
   * not be retried (not retryable, out of attempts, or out of quota).
   */
  delayMs(kind: ErrorKind, retries: number, retryAfterMs: number | undefined): number | undefined {
    if (kind === "other" || retries + 1 >= maxAttempts() || this.#quota < costOf(kind)) return undefined;
    this.#quota -= costOf(kind);
    this.#lastCost = costOf(kind);
    const base = kind === "throttling" ? 1_000 : 50;
    const delay = Math.floor(Math.random() * Math.min(base * 2 ** retries, MAX_DELAY_MS));
    return retryAfterMs === undefined ? delay : Math.max(delay, Math.min(retryAfterMs, delay + 5_000));
  }

  /** A call succeeded: give back what its last retry took (1 when it needed none). */
  recordSuccess(retried: boolean): void {
    this.#quota = Math.min(INITIAL_QUOTA, this.#quota + (retried ? this.#lastCost : 1));
  }
}
