import { hmacSha256Hex, safeEqual } from "../core/crypto.ts";

/**
 * The two checks of Meta's webhooks: the subscription handshake (GET) and the payload signature
 * (POST), both compared in constant time.
 */

/** A handshake challenge: Meta sends a number; anything printable up to 256 characters is echoed. */
const CHALLENGE = /^[\x21-\x7e]{1,256}$/;

/** The GET a callback URL receives when it is set in the dashboard or by API. */
export type Handshake =
  | { readonly ok: true; readonly token: string; readonly challenge: string }
  | { readonly ok: false; readonly reason: string };

/** Reads `hub.mode`, `hub.verify_token` and `hub.challenge`; a short reason when one is missing or wrong. */
export function parseHandshake(query: Record<string, string | undefined>): Handshake {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (mode === undefined || token === undefined || challenge === undefined) {
    return { ok: false, reason: "missing hub.mode, hub.verify_token or hub.challenge" };
  }
  if (mode !== "subscribe") return { ok: false, reason: "hub.mode must be subscribe" };
  if (!CHALLENGE.test(challenge)) return { ok: false, reason: "bad hub.challenge" };
  return { ok: true, token, challenge };
}

/** True when `given` is the verify token (constant time). */
export function verifyTokenMatches(given: string, verifyToken: string): boolean {
  return safeEqual(given, verifyToken);
}

/**
 * Why a delivery is not from Meta, or undefined when it is: `X-Hub-Signature-256` must be
 * `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, compared in constant time. `raw` must
 * be the bytes as sent (base64-decoded, never re-serialized JSON).
 */
export function signatureProblem(
  raw: Uint8Array,
  header: string | undefined,
  appSecret: string,
): string | undefined {
  if (!header) return "missing signature";
  return safeEqual(header.trim().toLowerCase(), `sha256=${hmacSha256Hex(appSecret, raw)}`)
    ? undefined
    : "bad signature";
}
