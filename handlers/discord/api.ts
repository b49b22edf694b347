import * as v from "valibot";
import { callSignal } from "../core/budget.ts";
import { PlatformError } from "../core/errors.ts";

/** The public REST API, v10; `DISCORD_API_URL` points elsewhere (a test fake). */
export const DISCORD_API_URL = "https://discord.com/api/v10";

/** Per-call timeout: Discord answers in well under a second; 10 s means something is wrong. */
const TIMEOUT_MS = 10_000;
/** A call that uploads files may take this long. */
const UPLOAD_TIMEOUT_MS = 30_000;

/** Discord asks every bot client to name itself this way. */
const USER_AGENT = "DiscordBot (https://github.com/agentcore-relay/agentcore-relay, 0.1.0)";

/** Discord's JSON error codes the relay acts on. */
export const DISCORD_CODES = {
  /** The interaction token expired (15 minutes) or never existed. */
  unknownWebhook: 10015,
  /** The interaction token is not valid for this webhook. */
  invalidWebhookToken: 50027,
  unknownChannel: 10003,
  /** No such message; for `@original`, Discord has no deferred response (yet). */
  unknownMessage: 10008,
  /** A request body Discord refused, with details per field (e.g. an endpoint URL it could not verify). */
  invalidFormBody: 50035,
  missingAccess: 50001,
  missingPermissions: 50013,
} as const;

/** A Discord API call failed; `code` is Discord's JSON error code when it sent one. */
export class DiscordApiError extends PlatformError {
  override name = "DiscordApiError";
  readonly code: number | undefined;

  constructor(
    route: string,
    options: ConstructorParameters<typeof PlatformError>[2] & { code?: number | undefined },
  ) {
    super("discord", route, options);
    this.code = options.code;
  }
}

const ErrorSchema = v.object({
  message: v.optional(v.string()),
  code: v.optional(v.number()),
  retry_after: v.optional(v.number()),
  errors: v.optional(v.unknown()),
});

/** The first `{ message }` inside Discord's nested form errors (`{ field: { _errors: [...] } }`). */
function firstFormError(errors: unknown, depth = 0): string | undefined {
  if (depth > 8 || typeof errors !== "object" || errors === null) return undefined;
  for (const [key, value] of Object.entries(errors)) {
    if (key === "_errors" && Array.isArray(value)) {
      const message = (value[0] as { message?: unknown } | undefined)?.message;
      if (typeof message === "string") return message;
    }
    const nested = firstFormError(value, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** One REST call: `route` is a template such as `/channels/{channel}/messages`, filled from `params`. */
export interface DiscordRequest {
  readonly params?: Record<string, string>;
  readonly body?: unknown;
  /** Send `Authorization: Bot <token>` (webhook routes carry their token in the path instead). @default true */
  readonly auth?: boolean;
  /**
   * Files to upload with the message: sent as multipart/form-data, the body as `payload_json` with an
   * `attachments` entry per file, each file as `files[n]`.
   */
  readonly files?: readonly DiscordUpload[];
}

/** A file uploaded with a message. */
export interface DiscordUpload {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
  /** Alt text (at most 1024 characters). */
  readonly description?: string | undefined;
}

/** A message body with its files, as Discord takes uploads (docs: "Uploading Files"). */
function multipart(body: unknown, files: readonly DiscordUpload[]): FormData {
  const form = new FormData();
  const attachments = files.map((file, id) => ({
    id,
    filename: file.name,
    ...(file.description ? { description: file.description.slice(0, 1024) } : {}),
  }));
  form.append("payload_json", JSON.stringify({ ...(body as object), attachments }));
  for (const [id, file] of files.entries())
    form.append(
      `files[${id}]`,
      new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.mime }),
      file.name,
    );
  return form;
}

/** A Discord REST call; resolves to the JSON answer (undefined for 204). */
export type DiscordCall = <T = unknown>(
  method: string,
  route: string,
  request?: DiscordRequest,
) => Promise<T>;

/** Buckets known to be empty, remembered at most this many (the expired ones are dropped first). */
const BUCKETS_REMEMBERED = 500;

/**
 * A Discord REST client. It keeps to Discord's rate limits as the headers say them: a response that
 * leaves its bucket empty (`X-RateLimit-Remaining: 0`) makes the next call on the same route and
 * resource (channel, or webhook) fail at once, without a request, as a 429 would, with the wait
 * (`X-RateLimit-Reset-After`) as its retry_after: the caller waits it out as for Discord's own 429, and
 * Discord never counts it as an invalid request. Errors are DiscordApiErrors named by the route template
 * (never the filled path: webhook paths carry the interaction token), with Discord's message and code,
 * and the wait a 429 asks for (JSON `retry_after` or the Retry-After header) as `retryAfterSeconds`.
 * @example const call = discordApi(botToken); await call("POST", "/channels/{channel}/typing", { params: { channel } });
 */
export function discordApi(
  botToken: string,
  baseUrl = process.env.DISCORD_API_URL || DISCORD_API_URL,
): DiscordCall {
  const root = baseUrl.replace(/\/+$/, "");
  // Epoch ms at which each empty bucket refills, by route and top-level resource.
  const empty = new Map<string, number>();
  return async <T>(method: string, route: string, request: DiscordRequest = {}): Promise<T> => {
    const params = request.params ?? {};
    const name = `${method} ${route}`;
    const bucket = `${name} ${params.channel ?? ""} ${params.application ?? ""}/${params.token ?? ""}`;
    const refills = empty.get(bucket) ?? 0;
    if (refills > Date.now()) {
      throw new DiscordApiError(name, {
        status: 429,
        reason: "rate limit bucket empty: not sent",
        retryable: true,
        retryAfterSeconds: (refills - Date.now()) / 1000,
      });
    }
    const path = route.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new Error(`discordApi: ${route} needs the parameter ${key}`);
      return encodeURIComponent(value);
    });
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    if (request.auth ?? true) headers.authorization = `Bot ${botToken}`;
    const upload = request.files?.length ? multipart(request.body ?? {}, request.files) : undefined;
    if (request.body !== undefined && !upload) headers["content-type"] = "application/json";
    let response: Response;
    // Cut short (or not started) when the invocation is running out of time: see core/budget.ts.
    const signal = callSignal(upload ? UPLOAD_TIMEOUT_MS : TIMEOUT_MS);
    try {
      response = await fetch(root + path, {
        method,
        headers,
        ...(upload
          ? { body: upload }
          : request.body === undefined
            ? {}
            : { body: JSON.stringify(request.body) }),
        signal,
      });
    } catch (cause) {
      const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
      throw new DiscordApiError(name, { reason, retryable: true, cause });
    }
    keepTo(empty, bucket, response.headers);
    if (response.status === 204) return undefined as T;
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok) return json as T;
    const parsed = v.safeParse(ErrorSchema, json);
    const error = parsed.success ? parsed.output : undefined;
    const header = Number(response.headers.get("retry-after"));
    const retryAfter = error?.retry_after ?? (Number.isFinite(header) && header > 0 ? header : undefined);
    const status = response.status;
    const detail = firstFormError(error?.errors);
    const reason = error?.message
      ? `${error.message}${error.code ? ` (${error.code})` : ""}${detail ? `: ${detail}` : ""}`
      : "not a Discord API error";
    throw new DiscordApiError(name, {
      status,
      reason,
      code: error?.code,
      // 4xx other than 429 cannot succeed on retry (bad request, no access, unknown channel), except
      // 401: a revoked or wrong token is our configuration, so the message is kept for the DLQ.
      retryable: status === 429 || status === 401 || status >= 500 || !parsed.success,
      ...(status === 429 && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    });
  };
}

/** Remembers when `bucket` refills if this response left it empty. */
function keepTo(empty: Map<string, number>, bucket: string, headers: Headers): void {
  const resetAfter = Number(headers.get("x-ratelimit-reset-after"));
  if (headers.get("x-ratelimit-remaining") !== "0" || !(resetAfter > 0)) {
    empty.delete(bucket);
    return;
  }
  if (empty.size >= BUCKETS_REMEMBERED) {
    const now = Date.now();
    for (const [key, at] of empty) if (at <= now) empty.delete(key);
    if (empty.size >= BUCKETS_REMEMBERED) empty.clear();
  }
  empty.set(bucket, Date.now() + resetAfter * 1000);
}
