import type { ChannelAdapter } from "../core/adapter.ts";
import { optionalEnv } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { telegramApi } from "./api.ts";
import { telegramMedia } from "./media.ts";
import { TELEGRAM_STREAM_MODES, type TelegramStreamMode, telegramOutbox } from "./outbox.ts";
import { type TelegramReply, TelegramReplySchema, telegramReplyTo } from "./reply.ts";
import { type TelegramSecret, TelegramSecretSchema } from "./secret.ts";

/**
 * The updates the webhook receives: new messages, and presses of the bot's buttons (an admin answering an
 * access request); edits, reactions … are not for the agent.
 */
export const ALLOWED_UPDATES = ["message", "callback_query"] as const;

/** The command menu shown in Telegram clients. */
export const COMMANDS = [
  { command: "new", description: "Start a new conversation" },
  { command: "help", description: "How to use this bot" },
];

/** `TELEGRAM_STREAM`: `draft` (default), `edit` or `off` (see TELEGRAM_STREAM_MODES). */
export function streamMode(): TelegramStreamMode {
  const mode = optionalEnv("TELEGRAM_STREAM", "draft");
  if (!(TELEGRAM_STREAM_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      `TELEGRAM_STREAM=${JSON.stringify(mode)} is not one of ${TELEGRAM_STREAM_MODES.join(", ")}`,
    );
  }
  return mode as TelegramStreamMode;
}

/** Telegram as a channel. */
export const telegram: ChannelAdapter<TelegramSecret, TelegramReply> = {
  channel: "telegram",
  secretSchema: TelegramSecretSchema,
  replySchema: TelegramReplySchema,
  // "typing" shows for at most 5 seconds.
  typingIntervalMs: 4_000,
  media: (secret) => telegramMedia(secret.bot_token),
  outbox: (secret) => telegramOutbox(telegramApi(secret.bot_token), streamMode()),
  replyTo: telegramReplyTo,
  async setup(secret, { url }) {
    const call = telegramApi(secret.bot_token);
    await call("setWebhook", {
      url,
      secret_token: secret.webhook_secret,
      allowed_updates: ALLOWED_UPDATES,
    });
    await call("setMyCommands", { commands: COMMANDS });
    const me = await call<{ username?: string }>("getMe");
    return { bot: me.username ?? null, allowedUpdates: ALLOWED_UPDATES };
  },
  async teardown(secret) {
    const call = telegramApi(secret.bot_token);
    await call("deleteWebhook", { drop_pending_updates: false });
    await call("deleteMyCommands");
    return { webhook: "deleted" };
  },
};
