import { randomBytes } from "node:crypto";

/**
 * Pairing codes: six characters a person reads off one chat and types into another, in Crockford's
 * base 32 (digits and letters but I, L, O and U), so a typed O counts as 0 and I or L as 1; 32
 * characters, so each random byte picks one without bias. 32^6 ≈ 10^9 codes, of which a few are alive at
 * a time (one per asking stranger or group, for an hour): only admins can use one, so a code is a
 * reference to a request, not a secret.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CODE_LENGTH = 6;
const CODE = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** How long a code is valid. */
export const CODE_TTL_MS = 60 * 60 * 1000;

/** A new random code. @example newCode() // "K7MX2P" */
export function newCode(): string {
  return [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte % ALPHABET.length]).join("");
}

/** A code as an admin typed it (any case, spaces around, O for 0, I or L for 1), or undefined when it cannot be one. */
export function readCode(typed: string): string | undefined {
  const code = typed.trim().toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  return CODE.test(code) ? code : undefined;
}
