import { randomBytes } from "node:crypto";
import { isLoopbackAddress, loopbackHosts, loopbackOrigins } from "../emulators/loopback.ts";
import { safeEqual } from "../handlers/core/crypto.ts";
import { ConfigError } from "../handlers/core/errors.ts";

/**
 * What keeps `bun run dev` to this computer and away from web pages. The server listens on 127.0.0.1;
 * every request must also come over loopback, name this machine's loopback in its Host header (a page
 * that rebinds its DNS name to 127.0.0.1 sends its own name), and carry no Origin but the emulator
 * page's (a foreign page's requests carry theirs). The local API (`/_dev/*`) also needs the run's token
 * in `x-dev-token` — the page gets it inside itself, local tools from DEV_TOKEN or the startup banner —
 * and takes JSON only, so neither a form nor a `text/plain` post from anywhere can drive it.
 */

/** The header that carries the run's token (docs/architecture.md: the dev stack's local API). */
export const TOKEN_HEADER = "x-dev-token";

/** The run's token: DEV_TOKEN when set (checked), else a fresh random one. */
export function devToken(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === "") return randomBytes(24).toString("base64url");
  if (!/^[\x21-\x7e]{16,256}$/.test(raw)) {
    throw new ConfigError("DEV_TOKEN must be 16 to 256 visible ASCII characters, without spaces");
  }
  return raw;
}

/** The facts about a request the guard needs besides the request itself. */
export interface GuardContext {
  /** The connection's peer address. */
  readonly peer: string | undefined;
  /** The port the server listens on. */
  readonly port: number;
  readonly token: string;
}

/** Checks a request before anything handles it: a Response refuses it, undefined lets it through. */
export function refusal(request: Request, context: GuardContext): Response | undefined {
  if (!isLoopbackAddress(context.peer)) return deny(403, "local connections only");
  if (!loopbackHosts(context.port).has(request.headers.get("host") ?? "")) {
    return deny(403, "the Host header does not name this machine's loopback");
  }
  const origin = request.headers.get("origin");
  if (origin !== null && !loopbackOrigins(context.port).has(origin)) {
    return deny(403, "requests from other origins are refused");
  }
  if (!new URL(request.url).pathname.startsWith("/_dev/")) return undefined;
  if (!safeEqual(request.headers.get(TOKEN_HEADER) ?? undefined, context.token)) {
    return deny(401, `missing or wrong ${TOKEN_HEADER} (the token is printed at start, or set DEV_TOKEN)`);
  }
  const json = /^application\/json\s*(?:;|$)/i.test(request.headers.get("content-type") ?? "");
  if (request.method !== "GET" && request.method !== "HEAD" && !json) {
    return deny(415, "send JSON (content-type: application/json)");
  }
  return undefined;
}

const deny = (status: number, reason: string) =>
  new Response(`${reason}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
