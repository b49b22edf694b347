import * as v from "valibot";

/** A Discord id (snowflake): 17 to 20 digits. */
export const Snowflake = v.pipe(v.string(), v.regex(/^\d{17,20}$/));

/** An Ed25519 public key as Discord shows it: 64 hex digits. */
export const PublicKeyHex = v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{64}$/));

/** The Discord channel's secret (Secrets Manager JSON), all from the Developer Portal. */
export const DiscordSecretSchema = v.object({
  /** General Information → Application ID. */
  application_id: Snowflake,
  /** General Information → Public Key (not secret, kept here so one secret holds the whole app). */
  public_key: PublicKeyHex,
  /** Bot → Token. */
  bot_token: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{20,200}$/)),
});

export type DiscordSecret = v.InferOutput<typeof DiscordSecretSchema>;

/** Discord's epoch (2015-01-01T00:00:00Z), in ms: snowflakes count from it. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** When Discord made a snowflake, in ms since the Unix epoch (its top 42 bits). */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
