import * as v from "valibot";
import { Digits, Id } from "./content.ts";

/** What the WhatsApp worker needs to answer (`envelope.reply`): the number to answer from, the user's message, and where to send. */
export const WhatsAppReplySchema = v.pipe(
  v.object({
    phoneNumberId: Digits,
    /**
     * The user's message: marked read, shown typing on, and quoted by the first reply. Absent for a message
     * the bot starts (Outbox.direct).
     */
    messageId: v.optional(Id),
    /** The user's phone number (wa_id), when the delivery gave it. */
    to: v.optional(Digits),
    /** The user's BSUID, for users whose phone number is hidden behind a username. */
    recipient: v.optional(Id),
  }),
  v.check((r) => r.to !== undefined || r.recipient !== undefined, "a reply needs to or recipient"),
);
export type WhatsAppReply = v.InferOutput<typeof WhatsAppReplySchema>;
