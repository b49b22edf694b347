import type { FilePart, Outbox, Part } from "../core/adapter.ts";
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

/** Images WhatsApp shows as images (others go as documents), and the largest it takes (5 MB). */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);
const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** Audio WhatsApp plays (Ogg/Opus as a voice note), up to 16 MB; video (MP4) too. */
const AUDIO_TYPES = new Set(["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"]);
const AUDIO_VIDEO_MAX_BYTES = 16 * 1024 * 1024;

/** The message type a file goes as: image, audio, video, else document (with its file name). */
export function mediaType(file: Pick<FilePart, "mime" | "bytes">): "image" | "audio" | "video" | "document" {
  const size = file.bytes.byteLength;
  if (IMAGE_TYPES.has(file.mime) && size <= IMAGE_MAX_BYTES) return "image";
  if (AUDIO_TYPES.has(file.mime) && size <= AUDIO_VIDEO_MAX_BYTES) return "audio";
  if (file.mime === "video/mp4" && size <= AUDIO_VIDEO_MAX_BYTES) return "video";
  return "document";
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
 * cannot edit, so an answer is held until the agent is done and sent whole (README.md says why). Files are
 * uploaded to the number's media, then sent as an image, audio, video or document message by media id.
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
    async file(reply, file) {
      // Uploaded to the number's media first (POST /{phone-number-id}/media), then sent by its id.
      const type = mediaType(file);
      const form = new FormData();
      form.append("messaging_product", "whatsapp");
      form.append("type", file.mime);
      form.append("file", new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.mime }), file.name);
      const uploaded = await call<{ id?: string }>(`${reply.phoneNumberId}/media`, {
        name: "upload",
        multipart: form,
      });
      if (!uploaded?.id) throw new GraphApiError("upload", { reason: "no media id", retryable: true });
      const data = callbackData(file.key, file.index);
      const caption = type === "audio" ? undefined : file.caption?.slice(0, 1024);
      const json = {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        ...recipientOf(reply),
        type,
        [type]: {
          id: uploaded.id,
          ...(caption ? { caption } : {}),
          ...(type === "document" ? { filename: file.name } : {}),
        },
        ...(data === undefined ? {} : { biz_opaque_callback_data: data }),
      };
      const sent = await call<{ messages?: { id?: string }[] }>(messages(reply), { name: "send", json });
      return sent?.messages?.[0]?.id;
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
