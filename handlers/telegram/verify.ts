import { safeEqual } from "../core/crypto.ts";

/** The header in which Telegram echoes the `secret_token` given to setWebhook. */
export const SECRET_TOKEN_HEADER = "x-telegram-bot-api-secret-token";

/**
 * Why a webhook delivery is not from Telegram, or undefined when it is: it must carry the secret token
 * we registered with setWebhook (Telegram signs nothing else). Constant-time.
 */
export function secretTokenProblem(given: string | undefined, webhookSecret: string): string | undefined {
  if (!given) return "missing secret token";
  return safeEqual(given, webhookSecret) ? undefined : "bad secret token";
}
