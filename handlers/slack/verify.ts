import { createHmac } from "node:crypto";
import { safeEqual } from "../core/crypto.ts";

/** Slack rejects nothing older, and neither do we: a captured request replays for 5 minutes at most. */
export const MAX_SKEW_SECONDS = 5 * 60;

/** Why a request is not from Slack. Short reasons, safe to answer with a 401. */
export type SignatureProblem = "missing signature headers" | "stale timestamp" | "bad signature";

/**
 * Checks Slack's request signature: `X-Slack-Signature` must be `v0=` + hex HMAC-SHA256 of
 * `v0:{X-Slack-Request-Timestamp}:{raw body bytes}` keyed with the signing secret, compared in constant
 * time, and the timestamp within 5 minutes of `now` (either way). Undefined when the request is good.
 * @example verifySlackSignature(secret, headers.timestamp, headers.signature, bodyBytes)
 */
export function verifySlackSignature(
  signingSecret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: Uint8Array,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureProblem | undefined {
  if (!timestamp || !signature) return "missing signature headers";
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return "stale timestamp";
  }
  return safeEqual(signature, slackSignature(signingSecret, timestamp, body)) ? undefined : "bad signature";
}

/** The `X-Slack-Signature` value Slack sends for `body` at `timestamp`. */
export function slackSignature(signingSecret: string, timestamp: string, body: Uint8Array | string): string {
  const hmac = createHmac("sha256", signingSecret).update(`v0:${timestamp}:`).update(body);
  return `v0=${hmac.digest("hex")}`;
}
