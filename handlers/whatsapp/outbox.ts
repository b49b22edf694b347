import type { Outbox } from "../core/adapter.ts";
import { sendChunks } from "../core/chunks.ts";
import { retryWhenRateLimited } from "../core/rate-limit.ts";
import { renderChunks } from "../core/text/split.ts";
import type { GraphCall } from "./api.ts";
import { chunkCallbackData } from "./callback.ts";
import { markdownToWhatsApp } from "./format.ts";
import { awaitStatus } from "./lookup.ts";
import type { WhatsAppReply } from "./reply.ts";

/** A text message's body holds at most 4096 characters. */
export const WHATSAPP_LIMIT = 4096;

/** The user, as the messages endpoint addresses them: phone number (`to`) or BSUID (`recipient`). */
function recipientOf(reply: WhatsAppReply): { to: string } | { recipient: string } {
  return reply.to === undefined ? { recipient: reply.recipient as string } : { to: reply.to };
}

/**
 * Sends replies through the Cloud API: WhatsApp formatting, split at 4096, the first part quoting
 * the user's message. "Typing" marks the user's message read and shows the indicator in one call.
 * Each part of a reply carries `biz_opaque_callback_data` naming it, so the ingress can record its
 * delivery status and a later attempt knows whether a part it was unsure about arrived.
 */
export function whatsappOutbox(call: GraphCall, phoneNumberId?: string): Outbox<WhatsAppReply> {
  const messages = (reply: WhatsAppReply) => `${reply.phoneNumberId}/messages`;
  return {
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
    async send(reply, markdown, options) {
      const chunks = renderChunks(markdown, markdownToWhatsApp, WHATSAPP_LIMIT);
      const callbackData = (index: number) =>
        options.key === undefined ? undefined : chunkCallbackData(options.key, index);
      const sendOne = async (body: string, index: number) => {
        const data = callbackData(index);
        const json = {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          ...recipientOf(reply),
          ...(index === 0 && reply.messageId !== undefined
            ? { context: { message_id: reply.messageId } }
            : {}),
          type: "text",
          text: { body },
          ...(data === undefined ? {} : { biz_opaque_callback_data: data }),
        };
        await retryWhenRateLimited(() => call(messages(reply), { name: "send", json }), options.deadline);
      };
      // A part sent with callback data may be confirmed by its status a little later: wait for it.
      const lookup = (index: number, since: number, recheck: () => Promise<boolean>) =>
        callbackData(index) === undefined
          ? Promise.resolve(undefined)
          : awaitStatus(recheck, since, options.deadline);
      await sendChunks(chunks, options, sendOne, lookup);
    },
  };
}
