import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Constant-time string comparison; unequal lengths compare as unequal without leaking where. */
export function safeEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Hex SHA-256 of a string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hex HMAC-SHA256 of raw bytes (or a string) with a key. */
export function hmacSha256Hex(key: string, data: string | Uint8Array): string {
  return createHmac("sha256", key).update(data).digest("hex");
}
