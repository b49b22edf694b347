import * as v from "valibot";
import type { OutboundTarget } from "../core/adapter.ts";
import { TemplateSchema } from "../core/outbound/message.ts";
import { Digits, Id } from "./content.ts";

/** What the WhatsApp worker needs to answer (`envelope.reply`): the number to answer from, the user's message, and where to send. */
export const WhatsAppReplySchema = v.pipe(
  v.object({
    phoneNumberId: Digits,
    /**
     * The user's message: marked read, shown typing on, and quoted by the first reply. Absent for a message
     * the agent or the bot starts (outbound, Outbox.direct).
     */
    messageId: v.optional(Id),
    /** The user's phone number (wa_id), when the delivery gave it. */
    to: v.optional(Digits),
    /** The user's BSUID, for users whose phone number is hidden behind a username. */
    recipient: v.optional(Id),
    /**
     * A message the agent starts: the approved template sent instead when WhatsApp refuses free-form text
     * outside the 24-hour customer service window (error 131047).
     */
    template: v.optional(TemplateSchema),
  }),
  v.check((r) => r.to !== undefined || r.recipient !== undefined, "a reply needs to or recipient"),
);
export type WhatsAppReply = v.InferOutput<typeof WhatsAppReplySchema>;

/**
 * Where a message the agent starts goes: from the secret's phone number to the user (`conversation`: the
 * phone number, or the BSUID of a user whose number is hidden), with its template, if any.
 */
export function whatsappReplyTo(to: OutboundTarget, secret: { phone_number_id: string }): unknown {
  if (to.thread !== undefined) return undefined;
  return {
    phoneNumberId: secret.phone_number_id,
    ...(/^\d+$/.test(to.conversation) ? { to: to.conversation } : { recipient: to.conversation }),
    ...(to.template === undefined ? {} : { template: to.template }),
  };
}
