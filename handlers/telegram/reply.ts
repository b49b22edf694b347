import * as v from "valibot";

/** A Bot API integer (chat, message, thread and user ids). */
export const Int = v.pipe(v.number(), v.integer());

/** What the Telegram worker needs to answer (`envelope.reply`): where, and which message to answer in groups. */
export const TelegramReplySchema = v.object({
  chatId: Int,
  /** The user's message, answered as a reply in groups; absent for a message the bot starts (Outbox.direct). */
  messageId: v.optional(Int),
  threadId: v.optional(Int),
  /** Private chats get plain answers; groups get replies to the user's message. */
  private: v.boolean(),
});
export type TelegramReply = v.InferOutput<typeof TelegramReplySchema>;
