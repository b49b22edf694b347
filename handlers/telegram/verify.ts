import { safeEqual } from "../core/crypto.ts";

/** The header in which Telegram echoes the `secret_token` given to setWebhook. */
export const SECRET_TOKEN_HEADER = "x-telegram-bot-api-secret-token";

/**
 * Whether a webhook delivery comes from Telegram: it carries the secret token we registered with
 * setWebhook (Telegram signs nothing else). Constant-time; a missing header never matches.
 */
export function secretTokenMatches(given: string | undefined, webhookSecret: string): boolean {
  return safeEqual(given, webhookSecret);
}
