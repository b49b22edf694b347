import type { Outbox, Part } from "../core/adapter.ts";
import { log } from "../core/log.ts";
import { GraphApiError, type GraphCall } from "./api.ts";
import { chunkCallbackData } from "./callback.ts";
import { markdownToWhatsApp } from "./format.ts";
import type { WhatsAppReply } from "./reply.ts";

/** A text message's body holds at most 4096 characters. */
export const WHATSAPP_LIMIT = 4096;

/** The user, as the messages endpoint addresses them: phone number (`to`) or BSUID (`recipient`). */
function recipientOf(reply: WhatsAppReply): { to: string } | { recipient: string } {
  return reply.to === undefined ? { recipient: reply.recipient as string } : { to: reply.to };
}

/** Graph's error when free-form text is refused: the user's last message is over 24 hours old. */
export const WINDOW_CLOSED = 131047;

/** The body of a template message: the template's name, language and body parameters. */
function templateOf(template: NonNullable<WhatsAppReply["template"]>) {
  return {
    type: "template",
    template: {
      name: template.name,
      language: { code: template.language },
      ...(template.parameters.length === 0
        ? {}
        : {
            components: [
              { type: "body", parameters: template.parameters.map((text) => ({ type: "text", text })) },
            ],
          }),
    },
  };
}

/**
 * The Cloud API as an outbox: WhatsApp formatting, split at 4096, the first part quoting the user's
 * message. "Typing" marks the user's message read and shows the indicator in one call. Each part of a
 * reply carries `biz_opaque_callback_data` naming it, so the ingress can record its delivery status and a
 * later attempt knows whether a part it was unsure about arrived (`confirms`). No `streaming`: WhatsApp
 * cannot edit, so an answer is held until the agent is done and sent whole (README.md says why).
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
      const send = async (content: object) => {
        const data = callbackData(part.key, part.index);
        const json = {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          ...recipientOf(reply),
          ...content,
          ...(data === undefined ? {} : { biz_opaque_callback_data: data }),
        };
        const sent = await call<{ messages?: { id?: string }[] }>(messages(reply), { name: "send", json });
        return sent?.messages?.[0]?.id;
      };
      try {
        return await send({
          ...(part.index === 0 && reply.messageId !== undefined
            ? { context: { message_id: reply.messageId } }
            : {}),
          type: "text",
          text: { body: part.text },
        });
      } catch (error) {
        if (!(error instanceof GraphApiError && error.code === WINDOW_CLOSED)) throw error;
        return await outsideWindow(reply, part, error, send);
      }
    },
    // A part sent with callback data is confirmed by its status a little later.
    confirms: (part) => callbackData(part.key, part.index) !== undefined,
  };
}

/**
 * Free-form text refused outside the 24-hour customer service window: the message's template goes
 * instead (standing for the whole message: its later parts are not sent), or, without one, the refusal
 * is logged as such and the message is not delivered.
 */
async function outsideWindow(
  reply: WhatsAppReply,
  part: Part,
  error: GraphApiError,
  send: (content: object) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (reply.template === undefined) {
    log.error("whatsapp.window_closed", {
      key: part.key,
      chunk: part.index,
      hint: "WhatsApp refuses free-form text 24 hours after the user's last message (131047): give the message a template",
    });
    throw error;
  }
  log.warn("whatsapp.window_closed", { key: part.key, chunk: part.index, template: reply.template.name });
  if (part.index > 0) return undefined;
  return send(templateOf(reply.template));
}
