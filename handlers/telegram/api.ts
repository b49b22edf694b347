import * as v from "valibot";
import { callSignal } from "../core/budget.ts";
import { PlatformError } from "../core/errors.ts";

/** The public Bot API; `TELEGRAM_API_URL` points elsewhere (a local Bot API server, a test fake). */
export const TELEGRAM_API_URL = "https://api.telegram.org";

/** Per-call timeout: Bot API calls answer in well under a second; 10 s means something is wrong. */
const TIMEOUT_MS = 10_000;

const ResponseSchema = v.object({
  ok: v.boolean(),
  result: v.optional(v.unknown()),
  error_code: v.optional(v.number()),
  description: v.optional(v.string()),
  parameters: v.optional(v.object({ retry_after: v.optional(v.number()) })),
});

/** A Bot API method call. */
export type TelegramCall = <T = unknown>(method: string, params?: Record<string, unknown>) => Promise<T>;

/**
 * A Bot API client: POSTs JSON to `{base}/bot{token}/{method}` (multipart/form-data when a parameter is a
 * file: a `Blob`, uploaded as the Bot API takes files) and returns `result`, or throws a
 * PlatformError carrying Telegram's code, description and retry_after. The token is part of the
 * URL, so URLs are never logged or put in errors.
 * @example const call = telegramApi(token); await call("sendMessage", { chat_id: 1, text: "hi" });
 */
export function telegramApi(
  token: string,
  baseUrl = process.env.TELEGRAM_API_URL || TELEGRAM_API_URL,
): TelegramCall {
  const root = `${baseUrl.replace(/\/+$/, "")}/bot${token}/`;
  return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    let response: Response;
    // Cut short (or not started) when the invocation is running out of time: see core/budget.ts.
    const signal = callSignal(TIMEOUT_MS);
    try {
      const upload = Object.values(params).some((value) => value instanceof Blob);
      response = await fetch(root + method, {
        method: "POST",
        ...(upload
          ? { body: formOf(params) }
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(params) }),
        signal,
      });
    } catch (cause) {
      const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
      throw new PlatformError("telegram", method, { reason, retryable: true, cause });
    }
    const parsed = v.safeParse(ResponseSchema, await response.json().catch(() => undefined));
    if (parsed.success && parsed.output.ok) return parsed.output.result as T;
    const status = parsed.success ? (parsed.output.error_code ?? response.status) : response.status;
    const retryAfter = parsed.success ? parsed.output.parameters?.retry_after : undefined;
    throw new PlatformError("telegram", method, {
      status,
      reason: parsed.success ? (parsed.output.description ?? "no description") : "not a Bot API response",
      // 4xx other than 429 cannot succeed on retry (bad request, blocked, chat not found), except
      // 401: a revoked or wrong token is our configuration, so the message is kept for the DLQ.
      retryable: status === 429 || status === 401 || status >= 500 || !parsed.success,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  };
}

/** Parameters as a multipart form: files as file parts (with their names), objects as JSON, the rest as text. */
function formOf(params: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (value instanceof Blob) form.append(key, value, value instanceof File ? value.name : key);
    else form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}

/** The bot's numeric id: the part of the token before the colon. */
export function botIdFromToken(token: string): number {
  return Number(token.split(":", 1)[0]);
}
