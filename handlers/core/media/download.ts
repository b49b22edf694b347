import { callSignal } from "../budget.ts";
import { MediaError } from "../errors.ts";

/** Where a platform serves a file, and how to ask for it (what a channel's MediaSource says). */
export interface MediaLocation {
  /** The file's URL; it may hold a credential (Telegram's token), so it is never logged. */
  readonly url: string;
  /** Headers of the request, e.g. the bot token as `authorization`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Size the platform states before the download, when it does (checked against the cap first). */
  readonly size?: number;
  /** Type the platform states beside the file (WhatsApp's media object), when the message did not. */
  readonly mime?: string;
}

/** A downloaded file. */
export interface Downloaded {
  readonly bytes: Uint8Array;
  /** The response's Content-Type, without parameters. */
  readonly mime: string | undefined;
}

/** One download may take this long (less when the invocation's budget ends sooner). */
const TIMEOUT_MS = 30_000;

/**
 * Downloads a file of at most `maxBytes`. Redirects are not followed: a platform that redirects a file
 * request (Slack to its login page, when the app lacks `files:read`) did not serve the file, and a
 * credential must never follow a redirect elsewhere. Throws a MediaError: `too large` (by the stated or
 * the counted size), `not available` (refused, gone, a redirect, an HTML page instead of a file), or a
 * retryable `download failed` (network, timeout, 429, 5xx).
 * @example const { bytes } = await download({ url, headers: { authorization: `Bearer ${token}` } }, 20 << 20, "image/png");
 */
export async function download(
  at: MediaLocation,
  maxBytes: number,
  expectedMime?: string,
): Promise<Downloaded> {
  if (at.size !== undefined && at.size > maxBytes) throw new MediaError("too large", { retryable: false });
  let response: Response;
  try {
    response = await fetch(at.url, {
      headers: { ...at.headers },
      redirect: "manual",
      signal: callSignal(TIMEOUT_MS),
    });
  } catch (cause) {
    const reason = (cause as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
    throw new MediaError("download failed", { retryable: true, detail: reason, cause });
  }
  const { status } = response;
  if (!response.ok) {
    await response.body?.cancel();
    const retryable = status === 429 || status >= 500;
    throw new MediaError(retryable ? "download failed" : "not available", {
      retryable,
      detail: `HTTP ${status}`,
    });
  }
  const mime = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() || undefined;
  if (mime === "text/html" && expectedMime !== "text/html") {
    // A login or error page served with 200 (Slack does this when the app may not read files).
    await response.body?.cancel();
    throw new MediaError("not available", { retryable: false, detail: "an HTML page instead of the file" });
  }
  const stated = Number(response.headers.get("content-length"));
  if (stated > maxBytes) {
    await response.body?.cancel();
    throw new MediaError("too large", { retryable: false });
  }
  return { bytes: await readCapped(response, maxBytes), mime };
}

/** The body, counted as it arrives: past `maxBytes` the download stops, `too large`. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
      total += read.value.byteLength;
      if (total > maxBytes) {
        await reader?.cancel().catch(() => undefined);
        throw new MediaError("too large", { retryable: false });
      }
      chunks.push(read.value);
    }
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError("download failed", { retryable: true, detail: "the body broke off", cause });
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * Whether a platform's file URL may be fetched (and given the channel's credential): HTTPS on one of
 * the platform's own `hosts` (or a subdomain, where the host starts with a dot), or the origin of the
 * channel's configured API URL (a local Bot API server, a test fake). A URL anywhere else is refused.
 * @example trusted(url, [".fbsbx.com"], process.env.WHATSAPP_API_URL)
 */
export function trusted(url: string, hosts: readonly string[], apiUrl: string | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (apiUrl && parsed.origin === new URL(apiUrl).origin) return true;
  if (parsed.protocol !== "https:" || parsed.username || parsed.password) return false;
  const host = parsed.hostname.toLowerCase();
  return hosts.some((h) => (h.startsWith(".") ? host.endsWith(h) : host === h));
}
