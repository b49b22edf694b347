/**
 * Who may talk to the agent: `ALLOWED_USERS` is a comma-separated list of platform user ids,
 * `*` allows everyone, and an empty list allows nobody (a safe default for a public bot).
 */
export interface Allowlist {
  allows(userId: string): boolean;
  /** True when nobody is allowed, worth a warning at start. */
  readonly empty: boolean;
}

/**
 * Parses an allowlist.
 * @example parseAllowlist("123, 456").allows("123") // true
 */
export function parseAllowlist(raw: string | undefined): Allowlist {
  const ids = new Set(
    (raw ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id.length > 0),
  );
  const everyone = ids.has("*");
  return {
    allows: (userId) => everyone || ids.has(userId),
    empty: ids.size === 0,
  };
}
