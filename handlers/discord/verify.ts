import { createPublicKey, type KeyObject, verify } from "node:crypto";

/**
 * Discord's request signing: Ed25519 over utf8(X-Signature-Timestamp) + the raw body, with the
 * application's public key, checked by Node's one-shot `crypto.verify` (OpenSSL, native). It runs on
 * the request's own thread: WebCrypto's `subtle.verify` queues the same check on libuv's thread pool
 * and wakes the event loop when it is done, two thread hand-offs per request that a busy machine
 * stretches into the ingress's p99 (BENCHMARKS.md). A timestamp outside the replay window is refused
 * too, so a captured request cannot be replayed.
 */

/** How far a request's timestamp may be from our clock, either way. */
export const REPLAY_WINDOW_SECONDS = 300;

const HEX_64 = /^[0-9a-fA-F]{64}$/;
const HEX_128 = /^[0-9a-fA-F]{128}$/;
const SECONDS = /^\d{1,12}$/;

const keys = new Map<string, KeyObject>();

/** The verify key for a hex public key, imported once per container. */
export function importPublicKey(publicKeyHex: string): KeyObject {
  if (!HEX_64.test(publicKeyHex)) throw new Error("the Discord public key must be 64 hex digits");
  const id = publicKeyHex.toLowerCase();
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(id, "hex").toString("base64url") },
      format: "jwk",
    });
    keys.set(id, key);
  }
  return key;
}

/**
 * Why a request is not from Discord, or undefined when it is: its signature headers are checked against
 * its raw body. `key` is asked for only once the headers are well-formed and fresh, so junk never costs
 * a key lookup.
 * @example await verifyRequest(() => importPublicKey(hex), c.req.header("x-signature-ed25519"), c.req.header("x-signature-timestamp"), body)
 */
export async function verifyRequest(
  key: () => KeyObject | Promise<KeyObject>,
  signature: string | undefined,
  timestamp: string | undefined,
  body: Uint8Array,
  now = Date.now(),
): Promise<string | undefined> {
  if (!signature || !HEX_128.test(signature)) return "missing or malformed signature";
  if (!timestamp || !SECONDS.test(timestamp)) return "missing or malformed timestamp";
  if (Math.abs(now / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return "timestamp outside the replay window";
  }
  const message = Buffer.concat([Buffer.from(timestamp, "latin1"), body]);
  const valid = verify(null, message, await key(), Buffer.from(signature, "hex"));
  return valid ? undefined : "bad signature";
}
