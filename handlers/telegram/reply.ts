import * as v from "valibot";
import type { OutboundTarget } from "../core/adapter.ts";

/** A Bot API integer (chat, message, thread and user ids). */
export const Int = v.pipe(v.number(), v.integer());

/** What the Telegram worker needs to answer (`envelope.reply`): where, and which message to answer in groups. */
export const TelegramReplySchema = v.object({
  chatId: Int,
  /** The user's message, answered as a reply in groups; absent for a message the agent or the bot starts (outbound, Outbox.direct). */
  messageId: v.optional(Int),
  threadId: v.optional(Int),
  /** Private chats get plain answers; groups get replies to the user's message. */
  private: v.boolean(),
});
export type TelegramReply = v.InferOutput<typeof TelegramReplySchema>;

/**
 * Where a message the agent starts goes: the chat (`conversation`, a chat id) and its topic (`thread`).
 * Private chats have positive ids (the user's), groups negative ones.
 */
export function telegramReplyTo(to: OutboundTarget): unknown {
  const chatId = Number(to.conversation);
  return {
    chatId,
    ...(to.thread === undefined ? {} : { threadId: Number(to.thread) }),
    private: chatId > 0,
  };
}
