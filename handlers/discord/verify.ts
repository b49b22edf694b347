/**
 * Discord's request signing: Ed25519 over utf8(X-Signature-Timestamp) + the raw body, with the
 * application's public key, checked by WebCrypto (native code, no JS crypto in the hot path).
 * A timestamp outside the replay window is refused too, so a captured request cannot be replayed.
 */

/** How far a request's timestamp may be from our clock, either way. */
export const REPLAY_WINDOW_SECONDS = 300;

const HEX_64 = /^[0-9a-fA-F]{64}$/;
const HEX_128 = /^[0-9a-fA-F]{128}$/;
const SECONDS = /^\d{1,12}$/;

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The verify key for a hex public key, imported once per container. */
export function importPublicKey(publicKeyHex: string): Promise<CryptoKey> {
  if (!HEX_64.test(publicKeyHex)) throw new Error("the Discord public key must be 64 hex digits");
  const id = publicKeyHex.toLowerCase();
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle.importKey("raw", hexBytes(id), { name: "Ed25519" }, false, ["verify"]);
    key.catch(() => keys.delete(id));
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
  key: () => Promise<CryptoKey>,
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
  const prefix = new TextEncoder().encode(timestamp);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, await key(), hexBytes(signature), message);
  return valid ? undefined : "bad signature";
}
