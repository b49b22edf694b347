import type { Outbox } from "../core/adapter.ts";
import type { GraphCall } from "./api.ts";
import { chunkCallbackData } from "./callback.ts";
import { markdownToWhatsApp } from "./format.ts";
import type { WhatsAppReply } from "./reply.ts";

/** A text message's body holds at most 4096 characters. */
export const WHATSAPP_LIMIT = 4096;

/** The user, as the messages endpoint addresses them: phone number (`to`) or BSUID (`recipient`). */
function recipientOf(reply: WhatsAppReply): { to: string } | { recipient: string } {
  return reply.to === undefined ? { recipient: reply.recipient as string } : { to: reply.to };
}

/**
 * The Cloud API as an outbox: WhatsApp formatting, split at 4096, the first part quoting the user's
 * message. "Typing" marks the user's message read and shows the indicator in one call. Each part of a
 * reply carries `biz_opaque_callback_data` naming it, so the ingress can record its delivery status and a
 * later attempt knows whether a part it was unsure about arrived (`confirms`).
 */
export function whatsappOutbox(call: GraphCall, phoneNumberId?: string): Outbox<WhatsAppReply> {
  const messages = (reply: WhatsAppReply) => `${reply.phoneNumberId}/messages`;
  const callbackData = (key: string | undefined, index: number) =>
    key === undefined ? undefined : chunkCallbackData(key, index);
  return {
    render: markdownToWhatsApp,
    limit: WHATSAPP_LIMIT,
    async typing(reply) {
      if (reply.messageId === undefined) return;
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
    // A WhatsApp user id is their phone number (wa_id). Meta delivers a message the bot starts only within
    // 24 hours of the user's last one (adapter.ts directWindowMs); outside it, as a failed status.
    async direct(userId) {
      return phoneNumberId !== undefined && /^\d{5,20}$/.test(userId)
        ? { phoneNumberId, to: userId }
        : undefined;
    },
    async post(reply, part) {
      const data = callbackData(part.key, part.index);
      const json = {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        ...recipientOf(reply),
        ...(part.index === 0 && reply.messageId !== undefined
          ? { context: { message_id: reply.messageId } }
          : {}),
        type: "text",
        text: { body: part.text },
        ...(data === undefined ? {} : { biz_opaque_callback_data: data }),
      };
      const sent = await call<{ messages?: { id?: string }[] }>(messages(reply), { name: "send", json });
      return sent?.messages?.[0]?.id;
    },
    // A part sent with callback data is confirmed by its status a little later.
    confirms: (part) => callbackData(part.key, part.index) !== undefined,
  };
}
