import * as v from "valibot";
import type { OutboundTarget } from "../core/adapter.ts";

/**
 * What the WhatsApp-personal worker needs to answer (`envelope.reply`). WhatsApp personal (a linked
 * device through Baileys) has no webhook: the always-on relay is its ingress (relay/whatsapp/inbound.ts
 * turns Baileys messages into envelopes and stores this reply context in them), so this schema is the
 * contract between the relay and the worker: keep both sides in step.
 */

/** A WhatsApp JID: `<user>@s.whatsapp.net`, `<id>@g.us` (group), `<id>@lid` (hidden user id). */
export const JidSchema = v.pipe(v.string(), v.regex(/^[^@\s]+@(?:s\.whatsapp\.net|g\.us|lid|c\.us)$/));

/** Characters of the user's message a quote shows. */
export const QUOTE_PREVIEW_LENGTH = 200;

/** What the reply needs: the chat, and in groups the message (and its sender) to quote. */
export const WhatsAppPersonalReplySchema = v.object({
  chatJid: JidSchema,
  /** The user's message id (`key.id`), quoted by the first chunk of a group answer; absent for a message the agent starts. */
  messageId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  /** The sender inside a group (the quoted message's `participant`). */
  participant: v.optional(JidSchema),
  /** Groups get answers that quote the user's message; direct chats get plain answers. */
  group: v.boolean(),
  /** The start of the quoted message's text, shown in the quote bubble (groups). */
  quotedText: v.optional(v.pipe(v.string(), v.maxLength(QUOTE_PREVIEW_LENGTH))),
});

export type WhatsAppPersonalReply = v.InferOutput<typeof WhatsAppPersonalReplySchema>;

/** Where a message the agent starts goes: the chat (`conversation`, a JID); groups end in `@g.us`. */
export function whatsappPersonalReplyTo(to: OutboundTarget): unknown {
  if (to.thread !== undefined) return undefined;
  return { chatJid: to.conversation, group: to.conversation.endsWith("@g.us") };
}
