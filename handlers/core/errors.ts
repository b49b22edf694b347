/**
 * Errors of the relay. Every error says whether a retry can help (`retryable`), which the
 * worker turns into an SQS retry or a final answer, and the ingress into a 5xx or a 4xx.
 * Messages never carry secrets or message text.
 */

/** Base class of every error the relay raises on purpose. */
export class RelayError extends Error {
  override name = "RelayError";
  /** True when the same call can succeed later (throttling, 5xx, timeouts). */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** Configuration is missing or malformed: an operator's mistake, fixed by redeploying. */
export class ConfigError extends RelayError {
  override name = "ConfigError";
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** The agent could not answer: AgentCore refused, failed, throttled or timed out. */
export class AgentError extends RelayError {
  override name = "AgentError";
  /** AgentCore's error name (`ThrottlingException`, …) or `Timeout`, `BadResponse`. */
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(`agent invocation failed: ${code}${options.status ? ` (${options.status})` : ""}`, options);
    this.code = code;
    this.status = options.status;
  }
}

/** A platform API call failed. */
export class PlatformError extends RelayError {
  override name = "PlatformError";
  readonly platform: string;
  readonly method: string;
  readonly status: number | undefined;
  /** The platform's own short reason (`Forbidden: bot was blocked by the user`, `channel_not_found`). */
  readonly reason: string;
  /** Seconds the platform asked us to wait (429), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    platform: string,
    method: string,
    options: {
      status?: number;
      reason: string;
      retryable: boolean;
      retryAfterSeconds?: number;
      cause?: unknown;
    },
  ) {
    super(`${platform} ${method} failed: ${options.status ?? "network"} ${options.reason}`, options);
    this.platform = platform;
    this.method = method;
    this.status = options.status;
    this.reason = options.reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True when `error` is worth another attempt; unknown errors are (our fault, maybe transient). */
export function isRetryable(error: unknown): boolean {
  return error instanceof RelayError ? error.retryable : true;
}

/** Why a file a user sent reaches the agent as metadata only (`skipped` in its payload). */
export type SkipReason = "too large" | "too many" | "not available" | "download failed" | "media off";

/** A file a user sent could not be fetched for the agent; `reason` is what the agent is told. */
export class MediaError extends RelayError {
  override name = "MediaError";
  readonly reason: SkipReason;

  constructor(reason: SkipReason, options: { retryable: boolean; detail?: string; cause?: unknown }) {
    super(`media ${reason}${options.detail ? `: ${options.detail}` : ""}`, options);
    this.reason = reason;
  }
}
