import type { Outbox } from "../core/adapter.ts";
import { sendChunks } from "../core/chunks.ts";
import { honourRetryAfter } from "../core/retry.ts";
import { renderChunks } from "../core/text/split.ts";
import type { GraphCall } from "./api.ts";
import { markdownToWhatsApp } from "./format.ts";
import type { WhatsAppReply } from "./inbound.ts";

/** A text message's body holds at most 4096 characters. */
export const WHATSAPP_LIMIT = 4096;

/** The user, as the messages endpoint addresses them: phone number (`to`) or BSUID (`recipient`). */
function recipientOf(reply: WhatsAppReply): { to: string } | { recipient: string } {
  return reply.to === undefined ? { recipient: reply.recipient as string } : { to: reply.to };
}

/**
 * Sends replies through the Cloud API: WhatsApp formatting, split at 4096, the first part quoting
 * the user's message. "Typing" marks the user's message read and shows the indicator in one call.
 */
export function whatsappOutbox(call: GraphCall): Outbox<WhatsAppReply> {
  const messages = (reply: WhatsAppReply) => `${reply.phoneNumberId}/messages`;
  return {
    async typing(reply) {
      await call(messages(reply), {
        name: "typing",
        json: {
          messaging_product: "whatsapp",
          status: "read",
          message_id: reply.messageId,
          typing_indicator: { type: "text" },
        },
      });
    },
    async send(reply, markdown, options) {
      const chunks = renderChunks(markdown, markdownToWhatsApp, WHATSAPP_LIMIT);
      await sendChunks(chunks, options, async (body, index) => {
        const json = {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          ...recipientOf(reply),
          ...(index === 0 ? { context: { message_id: reply.messageId } } : {}),
          type: "text",
          text: { body },
        };
        await honourRetryAfter(() => call(messages(reply), { name: "send", json }), options.deadline);
      });
    },
  };
}
