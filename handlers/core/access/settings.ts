import { type Allowlist, parseAllowlist } from "../allowlist.ts";
import { intEnv, optionalEnv } from "../config.ts";
import { ConfigError } from "../errors.ts";

/**
 * Who may reach the agent and how much (docs/architecture.md "Access"), from the worker's environment:
 *
 * - `ACCESS_POLICY`: `pairing` (a stranger gets a one-time code an admin approves), `allowlist` (only the
 *   listed users and those granted at run time; the default when unset, as before this setting existed),
 *   `open` (everyone);
 * - `ALLOWED_USERS` (allowed by configuration) and `ADMINS` (allowed, exempt from limits, and the ones who
 *   answer pairing codes), comma-separated platform user ids;
 * - `GROUP_POLICY`: `mention` (a group is answered when the bot is mentioned or replied to) or `always`;
 * - `RATE_LIMIT_PER_MINUTE`, `RATE_LIMIT_PER_DAY`: messages a user may send (0 or unset: no limit);
 * - `DAILY_INVOCATION_CAP`: agent invocations of the deployment per UTC day (0 or unset: no cap).
 */
export interface AccessSettings {
  readonly policy: AccessPolicy;
  readonly allowlist: Allowlist;
  readonly admins: ReadonlySet<string>;
  readonly groupPolicy: GroupMode;
  readonly perMinute: number;
  readonly perDay: number;
  readonly dailyCap: number;
}

export const ACCESS_POLICIES = ["pairing", "allowlist", "open"] as const;
export type AccessPolicy = (typeof ACCESS_POLICIES)[number];

/** When a group is answered: when the bot is mentioned or replied to, or always. */
export const GROUP_MODES = ["mention", "always"] as const;
export type GroupMode = (typeof GROUP_MODES)[number];

/** Reads the access settings; throws a ConfigError naming the bad variable. */
export function readAccessSettings(): AccessSettings {
  return {
    policy: oneOf("ACCESS_POLICY", ACCESS_POLICIES, "allowlist"),
    allowlist: parseAllowlist(process.env.ALLOWED_USERS),
    admins: new Set(ids(process.env.ADMINS)),
    groupPolicy: readGroupPolicy(),
    perMinute: intEnv("RATE_LIMIT_PER_MINUTE", 0, 0, 1_000_000),
    perDay: intEnv("RATE_LIMIT_PER_DAY", 0, 0, 1_000_000),
    dailyCap: intEnv("DAILY_INVOCATION_CAP", 0, 0, 100_000_000),
  };
}

/**
 * The settings of a deployment without the access variables: `ALLOWED_USERS` only, no admins, no limits.
 * @example allowlistOnly("7,8").allowlist.allows("7") // true
 */
export function allowlistOnly(allowedUsers: string): AccessSettings {
  return {
    policy: "allowlist",
    allowlist: parseAllowlist(allowedUsers),
    admins: new Set(),
    groupPolicy: "mention",
    perMinute: 0,
    perDay: 0,
    dailyCap: 0,
  };
}

/** `GROUP_POLICY`, which the ingresses read too: whether they forward group messages not addressed to the bot. */
export function readGroupPolicy(): GroupMode {
  return oneOf("GROUP_POLICY", GROUP_MODES, "mention");
}

function ids(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

function oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
  const value = optionalEnv(name, fallback);
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} is not one of ${values.join(", ")}`);
  }
  return value as T;
}
