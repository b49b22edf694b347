import type { Outbox } from "../core/adapter.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
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

/**
 * The Bot API as an outbox: HTML split at 4096, replies to the user's message in groups. The Bot API has
 * no idempotency key and no way to read the chat, so a part whose earlier send has an unknown outcome is
 * sent again (no lookup).
 */
export function telegramOutbox(call: TelegramCall): Outbox<TelegramReply> {
  const where = (reply: TelegramReply) => ({
    chat_id: reply.chatId,
    ...(reply.threadId === undefined ? {} : { message_thread_id: reply.threadId }),
  });
  /** Calls `method` with the part's HTML; HTML Telegram rejects goes again as plain text. */
  const withText = async <T>(method: string, reply: TelegramReply, params: object, html: string) => {
    try {
      return await call<T>(method, { ...params, text: html, parse_mode: "HTML" });
    } catch (error) {
      if (!rejectedEntities(error)) throw error;
      log.warn("telegram.html_rejected", { chatId: reply.chatId, reason: (error as PlatformError).reason });
      return await call<T>(method, { ...params, text: htmlToText(html) });
    }
  };
  return {
    render: markdownToTelegramHtml,
    limit: TELEGRAM_LIMIT,
    async typing(reply) {
      await call("sendChatAction", { ...where(reply), action: "typing" });
    },
    async post(reply, part) {
      const params = {
        ...where(reply),
        ...(part.index === 0 && !reply.private
          ? { reply_parameters: { message_id: reply.messageId, allow_sending_without_reply: true } }
          : {}),
      };
      const sent = await withText<{ message_id?: number }>("sendMessage", reply, params, part.text);
      return sent?.message_id === undefined ? undefined : String(sent.message_id);
    },
  };
}
