import type { Button, Outbox } from "../core/adapter.ts";
import { sendChunks } from "../core/chunks.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { retryWhenRateLimited } from "../core/rate-limit.ts";
import { renderChunks } from "../core/text/split.ts";
import type { TelegramCall } from "./api.ts";
import { markdownToTelegramHtml } from "./format.ts";
import type { TelegramReply } from "./reply.ts";

/** sendMessage takes at most 4096 characters after entity parsing. */
export const TELEGRAM_LIMIT = 4096;

/** Telegram's 400 when our HTML does not parse: resend as plain text. */
function rejectedEntities(error: unknown): boolean {
  return error instanceof PlatformError && error.status === 400 && /can't parse entities/i.test(error.reason);
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&amp;": "&" };

/** Telegram HTML → the same text without markup (never longer than the HTML). */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:lt|gt|quot|amp);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The buttons of a message as an inline keyboard (one row); a command over 64 bytes cannot be callback data. */
export function inlineKeyboard(buttons: readonly Button[]) {
  const row = buttons
    .filter((b) => Buffer.byteLength(b.command) <= 64)
    .map((b) => ({ text: b.label, callback_data: b.command }));
  return row.length === 0 ? undefined : { inline_keyboard: [row] };
}

/**
 * Sends replies through the Bot API: HTML, split at 4096, replies to the user's message in groups, buttons
 * as an inline keyboard under the last part. A user's private chat has their user id as chat id, so
 * `direct` needs no call (the message fails if they never started the bot).
 */
export function telegramOutbox(call: TelegramCall): Outbox<TelegramReply> {
  const where = (reply: TelegramReply) => ({
    chat_id: reply.chatId,
    ...(reply.threadId === undefined ? {} : { message_thread_id: reply.threadId }),
  });
  return {
    async typing(reply) {
      await call("sendChatAction", { ...where(reply), action: "typing" });
    },
    async direct(userId) {
      return /^\d{1,20}$/.test(userId) ? { chatId: Number(userId), private: true } : undefined;
    },
    async send(reply, markdown, options) {
      const chunks = renderChunks(markdown, markdownToTelegramHtml, TELEGRAM_LIMIT);
      const keyboard = options.buttons && inlineKeyboard(options.buttons);
      // The Bot API has no idempotency key and no way to read the chat: a chunk whose earlier send has
      // an unknown outcome is sent again.
      await sendChunks(chunks, options, async (html, index) => {
        const params = {
          ...where(reply),
          ...(index === 0 && !reply.private && reply.messageId !== undefined
            ? { reply_parameters: { message_id: reply.messageId, allow_sending_without_reply: true } }
            : {}),
          ...(keyboard && index === chunks.length - 1 ? { reply_markup: keyboard } : {}),
        };
        await retryWhenRateLimited(async () => {
          try {
            await call("sendMessage", { ...params, text: html, parse_mode: "HTML" });
          } catch (error) {
            if (!rejectedEntities(error)) throw error;
            log.warn("telegram.html_rejected", {
              chatId: reply.chatId,
              reason: (error as PlatformError).reason,
            });
            await call("sendMessage", { ...params, text: htmlToText(html) });
          }
        }, options.deadline);
      });
    },
  };
}
