/**
 * The errors of an AWS call, with the fields the SDK's own errors carry (`name`, `$fault`,
 * `$metadata.httpStatusCode` and `requestId`, and for query-compatible services such as SQS the legacy
 * `Code`), so logs (handlers/core/log.ts `describeError`) and retry decisions read them the same way.
 */

/** What the SDK keeps about the response and the attempts on `$metadata`. */
export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
  /** The client corrected its clock from the service's `Date` header: the next attempt can succeed. */
  clockSkewCorrected?: boolean;
}

/** An error answer of an AWS service. */
export class AwsServiceError extends Error {
  /** `client` for 4xx, `server` for 5xx, as the SDK's `$fault`. */
  readonly $fault: "client" | "server";
  readonly $metadata: ResponseMetadata;
  /** The legacy error code a query-compatible service sends (`AWS.SimpleQueueService.NonExistentQueue`). */
  readonly Code: string | undefined;
  /** The `Retry-After` / `x-amz-retry-after` the service asked for, ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    name: string,
    message: string,
    options: { metadata: ResponseMetadata; code?: string; retryAfterMs?: number },
  ) {
    super(message);
    this.name = name;
    this.$metadata = options.metadata;
    this.$fault = (options.metadata.httpStatusCode ?? 500) < 500 ? "client" : "server";
    this.Code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An attempt that took longer than its timeout (named as the SDK names its timeouts: retried). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** A response as the transport gives it. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

const header = (response: RawResponse, name: string): string | undefined => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The request id AWS gives a response, wherever the service puts it. */
export function requestIdOf(response: RawResponse): string | undefined {
  return (
    header(response, "x-amzn-requestid") ??
    header(response, "x-amzn-request-id") ??
    header(response, "x-amz-request-id")
  );
}

/** `com.amazonaws.sqs#QueueDoesNotExist:http://…` → `QueueDoesNotExist` (the SDK's sanitizeErrorCode). */
function errorName(raw: string): string {
  const first = raw.split(",")[0]?.split(":")[0] ?? raw;
  return first.includes("#") ? (first.split("#")[1] ?? first) : first;
}

/** Milliseconds the service asked to wait: `x-amz-retry-after` (ms) or `retry-after` (seconds or a date). */
function retryAfterMs(response: RawResponse): number | undefined {
  const amz = header(response, "x-amz-retry-after");
  if (amz !== undefined && Number.isFinite(Number(amz))) return Number(amz);
  const value = header(response, "retry-after");
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The error of a non-2xx JSON-protocol answer: its name from the body's `__type` (else `code`, else
 * the `x-amzn-errortype` header, else the status), the legacy code from `x-amzn-query-error`.
 */
export function serviceError(response: RawResponse, metadata: ResponseMetadata): AwsServiceError {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = response.body ? JSON.parse(response.body) : {};
    if (typeof parsed === "object" && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page): the status and headers still say what happened.
  }
  const code = Object.entries(data).find(([key]) => key.toLowerCase() === "code")?.[1];
  const raw =
    (typeof data.__type === "string" && data.__type) ||
    (typeof code === "string" && code) ||
    header(response, "x-amzn-errortype") ||
    (response.status >= 500 ? "ServiceUnavailable" : `Http${response.status}`);
  const message = data.message ?? data.Message;
  return new AwsServiceError(errorName(raw), typeof message === "string" ? message : "UnknownError", {
    metadata,
    code: header(response, "x-amzn-query-error")?.split(";")[0],
    retryAfterMs: retryAfterMs(response),
  });
}
