import * as v from "valibot";

/** The Telegram channel's secret (Secrets Manager JSON). */
export const TelegramSecretSchema = v.object({
  /** From @BotFather: `123456:ABC…`. */
  bot_token: v.pipe(v.string(), v.regex(/^\d+:[A-Za-z0-9_-]+$/)),
  /** Sent by Telegram as X-Telegram-Bot-Api-Secret-Token: 1–256 of A-Z a-z 0-9 _ -. */
  webhook_secret: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,256}$/)),
});

export type TelegramSecret = v.InferOutput<typeof TelegramSecretSchema>;
