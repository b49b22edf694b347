import * as v from "valibot";
import { callSignal } from "../core/budget.ts";
import { PlatformError } from "../core/errors.ts";

/** The public Web API; `SLACK_API_URL` points elsewhere (a test fake, a proxy). */
export const SLACK_API_URL = "https://slack.com/api";

/** Per-call timeout: Web API calls answer in well under a second; 10 s means something is wrong. */
const TIMEOUT_MS = 10_000;

/**
 * Slack's `error` codes that another try can fix: Slack's own trouble and rate limits. Every other
 * code (channel_not_found, not_in_channel, invalid_auth, msg_too_long, …) fails the same way again.
 */
const RETRYABLE_ERRORS = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
]);

const ResponseSchema = v.looseObject({ ok: v.boolean(), error: v.optional(v.string()) });

/** Parameter values as the Web API takes them in a form body. */
export type SlackParams = Record<string, string | number | boolean | undefined>;

/** A Web API method call; resolves with the whole `{ ok: true, … }` response. */
export type SlackCall = <T = Record<string, unknown>>(method: string, params?: SlackParams) => Promise<T>;

/**
 * A Web API client: POSTs form-encoded parameters (the encoding every method accepts, read methods
 * included) to `{base}/{method}` with the token as a Bearer header, and returns the response, or throws
 * a PlatformError carrying Slack's `error` code, HTTP status and Retry-After. The token is never logged
 * or put in an error.
 * @example const call = slackApi(token); await call("chat.postMessage", { channel: "C1", text: "hi" });
 */
export function slackApi(token: string, baseUrl = process.env.SLACK_API_URL || SLACK_API_URL): SlackCall {
  const root = `${baseUrl.replace(/\/+$/, "")}/`;
  return async <T>(method: string, params: SlackParams = {}): Promise<T> => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) body.set(key, String(value));
    let response: Response;
    // Cut short (or not started) when the invocation is running out of time: see core/budget.ts.
    const signal = callSignal(TIMEOUT_MS);
    try {
      response = await fetch(root + method, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        },
        body,
        signal,
      });
    } catch (cause) {
      const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
      throw new PlatformError("slack", method, { reason, retryable: true, cause });
    }
    const parsed = v.safeParse(ResponseSchema, await response.json().catch(() => undefined));
    if (response.ok && parsed.success && parsed.output.ok) return parsed.output as T;
    const retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
    const error = parsed.success ? (parsed.output.error ?? "no error code") : "not a Web API response";
    throw new PlatformError("slack", method, {
      status: response.status,
      reason: error,
      retryable:
        response.status === 429 || response.status >= 500 || !parsed.success || RETRYABLE_ERRORS.has(error),
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  };
}

/** Retry-After as whole seconds (Slack sends seconds), or undefined when absent or not a number. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\d{1,5}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** True when `error` is Slack refusing with the given code (`already_reacted`, `no_reaction` …). */
export function isSlackError(error: unknown, ...codes: string[]): error is PlatformError {
  return error instanceof PlatformError && error.platform === "slack" && codes.includes(error.reason);
}
