import type { IncomingMessage } from "node:http";
import { callSignal } from "../budget.ts";
import { MediaError } from "../errors.ts";

/**
 * Downloads a file whose URL the agent gave, so an agent that echoes a user's link cannot make the worker
 * read what only the worker can reach: HTTPS only, no credentials in the URL, and never to a loopback,
 * private, link-local or metadata address (169.254.169.254, fd00:ec2::254, 10/8, 172.16/12, 192.168/16,
 * 127/8, ::1, fc00::/7, fe80::/10 …). The address is checked on the socket as it connects
 * (request-filtering-agent), so a name that resolves to an internal address, or changes to one between a
 * check and the connection (DNS rebinding), is refused all the same. Redirects are followed (at most
 * {@link MAX_REDIRECTS}), each one checked again the same way. The body is counted as it arrives and cut
 * at `maxBytes`; the whole download has a timeout.
 *
 * Tests point it at loopback fakes with `UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS=1`, which allows plain HTTP
 * and 127.0.0.1/::1 (and nothing else internal). No module sets it.
 */

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 3;
/** One download (redirects included) may take this long. */
const TIMEOUT_MS = 20_000;

/** A file fetched for sending. */
export interface Fetched {
  readonly bytes: Uint8Array;
  /** The response's Content-Type, without parameters. */
  readonly mime: string | undefined;
}

/** Whether the test-only switch is on (read at each call, never at import). */
function loopbackAllowed(): boolean {
  return process.env.UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS === "1";
}

/**
 * Fetches `url` under the rules above. Throws a MediaError: `not available` when the URL is refused (not
 * HTTPS, an internal address, too many redirects, a 4xx), `too large`, or a retryable `download failed`
 * (timeout, network, 429, 5xx).
 * @example const { bytes, mime } = await fetchPublic("https://example.com/cat.png", 20 << 20);
 */
export async function fetchPublic(url: string, maxBytes: number, signal?: AbortSignal): Promise<Fetched> {
  // Cut short (or not started) when the invocation is running out of time: see core/budget.ts.
  const timeout = callSignal(TIMEOUT_MS);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let at = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = checkedUrl(at);
    const response = await get(target, abort);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      at = new URL(response.headers.location, target).href;
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      const retryable = status === 429 || status >= 500;
      throw new MediaError(retryable ? "download failed" : "not available", {
        retryable,
        detail: `HTTP ${status}`,
      });
    }
    if (Number(response.headers["content-length"]) > maxBytes) {
      response.destroy();
      throw new MediaError("too large", { retryable: false });
    }
    const mime = response.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() || undefined;
    return { bytes: await readCapped(response, maxBytes), mime };
  }
  throw new MediaError("not available", { retryable: false, detail: "too many redirects" });
}

/** The URL, when it may be asked at all (HTTPS, no user:password); the address is checked on connect. */
function checkedUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MediaError("not available", { retryable: false, detail: "not a URL" });
  }
  const schemes = loopbackAllowed() ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(parsed.protocol))
    throw new MediaError("not available", { retryable: false, detail: "only HTTPS URLs are fetched" });
  if (parsed.username || parsed.password)
    throw new MediaError("not available", { retryable: false, detail: "credentials in the URL" });
  return parsed;
}

/** One GET through the filtering agent; a refused address is `not available`, never retried. */
async function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const [{ RequestFilteringHttpAgent, RequestFilteringHttpsAgent }, http, https] = await Promise.all([
    import("request-filtering-agent"),
    import("node:http"),
    import("node:https"),
  ]);
  const filter = loopbackAllowed() ? { allowIPAddressList: ["127.0.0.1", "::1"] } : {};
  const secure = url.protocol === "https:";
  const agent = secure ? new RequestFilteringHttpsAgent(filter) : new RequestFilteringHttpAgent(filter);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = (secure ? https : http).get(url, { agent, signal }, resolve);
    request.on("error", (cause: Error) => {
      agent.destroy();
      if (/is not allowed/.test(cause.message))
        reject(new MediaError("not available", { retryable: false, detail: "an internal address", cause }));
      else {
        const detail = signal.aborted ? "timed out" : "unreachable";
        reject(new MediaError("download failed", { retryable: true, detail, cause }));
      }
    });
  });
}

/** The body, counted as it arrives: past `maxBytes` the download stops, `too large`. */
async function readCapped(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        response.destroy();
        throw new MediaError("too large", { retryable: false });
      }
      chunks.push(chunk);
    }
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError("download failed", { retryable: true, detail: "the body broke off", cause });
  }
  return new Uint8Array(Buffer.concat(chunks));
}
