import * as v from "valibot";
import { callSignal } from "../core/budget.ts";
import { PlatformError } from "../core/errors.ts";

/** The Graph API the Cloud API lives on; `WHATSAPP_API_URL` points elsewhere (a test fake). */
export const WHATSAPP_API_URL = "https://graph.facebook.com/v23.0";

/** Per-call timeout: Graph answers in well under a second; 10 s means something is wrong. */
const TIMEOUT_MS = 10_000;

/**
 * Graph error codes by what a retry can do (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 * Anything else (131047 outside the 24-hour window, 131026 undeliverable, 131051 unsupported type,
 * 100 invalid parameter …) fails the same way again: not retried.
 */
const THROTTLED = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056]);
/** Meta's side failed; the same call can succeed later. */
const TRANSIENT = new Set([1, 2, 131000, 131016, 131057]);
/**
 * Our credentials or account setup (expired token, missing permission, number not registered):
 * retried, so the message waits in the DLQ for a redrive once it is fixed.
 */
const CONFIGURATION = new Set([0, 3, 10, 190, 131005, 131031, 133010]);
const isPermission = (code: number) => code >= 200 && code <= 299;

/** Pair rate limit (131056): about one message per 6 s to the same user; worth a short wait. */
const PAIR_RATE_WAIT_SECONDS = 6;

const GraphErrorSchema = v.object({
  error: v.object({
    message: v.optional(v.string()),
    type: v.optional(v.string()),
    code: v.optional(v.number()),
    error_subcode: v.optional(v.number()),
    error_data: v.optional(v.object({ details: v.optional(v.string()) })),
    fbtrace_id: v.optional(v.string()),
  }),
});

/** A Graph API call that failed, with Meta's error code, subcode and trace id. */
export class GraphApiError extends PlatformError {
  override name = "GraphApiError";
  /** Graph's `error.code` (131047, 190, …); undefined when the answer was not a Graph error. */
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  /** Meta's trace id, what Meta support asks for. */
  readonly fbtraceId: string | undefined;

  constructor(
    method: string,
    options: ConstructorParameters<typeof PlatformError>[2] & {
      code?: number;
      subcode?: number;
      fbtraceId?: string;
    },
  ) {
    super("whatsapp", method, options);
    this.code = options.code;
    this.subcode = options.subcode;
    this.fbtraceId = options.fbtraceId;
  }
}

/** Whether a Graph error is worth another attempt (see the code sets above). */
export function graphRetryable(status: number, code: number | undefined): boolean {
  if (code !== undefined) {
    if (THROTTLED.has(code) || TRANSIENT.has(code) || CONFIGURATION.has(code) || isPermission(code))
      return true;
  }
  return status === 429 || status === 401 || status >= 500 || code === undefined;
}

/** Turns a failed Graph answer (status, parsed JSON, Retry-After header) into a GraphApiError. */
export function graphError(
  method: string,
  status: number,
  body: unknown,
  retryAfterHeader?: string | null,
): GraphApiError {
  const parsed = v.safeParse(GraphErrorSchema, body);
  const headerSeconds = Number(retryAfterHeader);
  const retryAfter =
    retryAfterHeader && Number.isFinite(headerSeconds) && headerSeconds >= 0 ? headerSeconds : undefined;
  if (!parsed.success) {
    return new GraphApiError(method, {
      status,
      reason: "not a Graph API response",
      retryable: true,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  }
  const { message, code, error_subcode: subcode, error_data, fbtrace_id: fbtraceId } = parsed.output.error;
  const details = error_data?.details && error_data.details !== message ? `: ${error_data.details}` : "";
  const trace = [
    subcode === undefined ? "" : `subcode ${subcode}`,
    fbtraceId ? `fbtrace_id ${fbtraceId}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const wait = code === 131056 ? PAIR_RATE_WAIT_SECONDS : retryAfter;
  return new GraphApiError(method, {
    status,
    reason: `${code === undefined ? "" : `(#${code}) `}${message ?? "no message"}${details}${trace ? ` [${trace}]` : ""}`,
    retryable: graphRetryable(status, code),
    ...(wait === undefined ? {} : { retryAfterSeconds: wait }),
    ...(code === undefined ? {} : { code }),
    ...(subcode === undefined ? {} : { subcode }),
    ...(fbtraceId === undefined ? {} : { fbtraceId }),
  });
}

/** One Graph request: a JSON or form body, query parameters, and a short name for logs and errors. */
export interface GraphRequest {
  readonly method?: "GET" | "POST" | "DELETE";
  readonly json?: Record<string, unknown>;
  readonly form?: Record<string, string>;
  /** A multipart body (a media upload); its boundary is set by fetch. */
  readonly multipart?: FormData;
  readonly query?: Record<string, string>;
  /** What the call does, for logs (`send`, `typing`); default the path's last segment. */
  readonly name?: string;
}

/** A Graph API call: path relative to the versioned base, e.g. `123/messages`. */
export type GraphCall = <T = unknown>(path: string, request?: GraphRequest) => Promise<T>;

/**
 * A Graph API client authenticated with `token` (a Bearer header, never in the URL, so URLs may be
 * logged). Resolves with the JSON answer, or throws a GraphApiError that says whether to retry.
 * @example const call = graphApi(token); await call("123/messages", { json: { messaging_product: "whatsapp", ... } });
 */
export function graphApi(
  token: string,
  baseUrl = process.env.WHATSAPP_API_URL || WHATSAPP_API_URL,
): GraphCall {
  const root = `${baseUrl.replace(/\/+$/, "")}/`;
  return async <T>(path: string, request: GraphRequest = {}): Promise<T> => {
    const name = request.name ?? path.split("/").filter(Boolean).at(-1) ?? path;
    const url = new URL(path.replace(/^\/+/, ""), root);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | FormData | undefined;
    if (request.multipart) body = request.multipart;
    else if (request.json) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(request.form).toString();
    }
    let response: Response;
    // Cut short (or not started) when the invocation is running out of time: see core/budget.ts.
    const signal = callSignal(TIMEOUT_MS);
    try {
      response = await fetch(url, {
        method: request.method ?? (body === undefined ? "GET" : "POST"),
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
    } catch (cause) {
      const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
      throw new GraphApiError(name, { reason, retryable: true, cause });
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok && json !== undefined) return json as T;
    throw graphError(name, response.status, json, response.headers.get("retry-after"));
  };
}
