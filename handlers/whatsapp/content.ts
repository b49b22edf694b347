import * as v from "valibot";
import type {
  ServerAudioMessage,
  ServerButtonMessage,
  ServerDocumentMessage,
  ServerImageMessage,
  ServerInteractiveButtonMessage,
  ServerInteractiveListMessage,
  ServerLocationMessage,
  ServerMessage,
  ServerStickerMessage,
  ServerTextMessage,
  ServerVideoMessage,
} from "whatsapp-api-js/types";
import type { Attachment } from "../core/envelope.ts";

/**
 * One Cloud API message, as far as we read it, and what it says to the agent. The schemas describe
 * only the fields we use (the rest is dropped); fields Meta may leave out are optional. They are
 * checked against the whatsapp-api-js typings below (Meta publishes none), so a message those typings
 * allow passes. The delivery around messages is read in inbound.ts.
 */

/** A phone number or phone number id: digits only. */
export const Digits = v.pipe(v.string(), v.regex(/^\d{1,32}$/));
/** A Cloud API id (message, media, user). */
export const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

export const MediaSchema = v.object({
  id: Id,
  mime_type: v.optional(v.string()),
  caption: v.optional(v.string()),
  filename: v.optional(v.string()),
  /** audio only: a voice note recorded in the app. */
  voice: v.optional(v.boolean()),
});

const Coordinate = v.union([v.number(), v.string()]);

export const LocationSchema = v.object({
  latitude: Coordinate,
  longitude: Coordinate,
  name: v.optional(v.string()),
  address: v.optional(v.string()),
  url: v.optional(v.string()),
});

export const SharedContactSchema = v.object({
  name: v.optional(v.object({ formatted_name: v.optional(v.string()) })),
  phones: v.optional(v.array(v.object({ phone: v.optional(v.string()), wa_id: v.optional(v.string()) }))),
});

const Reply = v.object({ id: v.string(), title: v.string(), description: v.optional(v.string()) });

export const InteractiveSchema = v.object({
  type: v.string(),
  button_reply: v.optional(Reply),
  list_reply: v.optional(Reply),
});

export const MessageSchema = v.object({
  /** The sender's phone number (wa_id); omitted for users with a username, then from_user_id answers. */
  from: v.optional(Digits),
  from_user_id: v.optional(Id),
  /** `wamid.…`: the dedup key. */
  id: Id,
  /** Unix seconds, as a string. */
  timestamp: v.pipe(v.string(), v.regex(/^\d{1,12}$/)),
  type: v.string(),
  /** Set for group chats, which this channel does not answer. */
  group_id: v.optional(v.string()),
  text: v.optional(v.object({ body: v.string() })),
  image: v.optional(MediaSchema),
  audio: v.optional(MediaSchema),
  video: v.optional(MediaSchema),
  document: v.optional(MediaSchema),
  sticker: v.optional(MediaSchema),
  location: v.optional(LocationSchema),
  contacts: v.optional(v.array(SharedContactSchema)),
  interactive: v.optional(InteractiveSchema),
  button: v.optional(v.object({ text: v.string() })),
});

export type WhatsAppMessage = v.InferOutput<typeof MessageSchema>;

// Compile-time: every message the typings describe passes our schemas, and the fields we read have
// their types.
type Extends<A extends B, B> = A;
type Out<S extends v.GenericSchema> = v.InferOutput<S>;
export type _Checks = [
  Extends<Pick<ServerTextMessage["text"], "body">, NonNullable<WhatsAppMessage["text"]>>,
  Extends<Pick<ServerImageMessage["image"], "id" | "mime_type" | "caption">, Out<typeof MediaSchema>>,
  Extends<Pick<ServerVideoMessage["video"], "id" | "mime_type" | "caption">, Out<typeof MediaSchema>>,
  Extends<Pick<ServerAudioMessage["audio"], "id" | "mime_type" | "voice">, Out<typeof MediaSchema>>,
  Extends<
    Pick<ServerDocumentMessage["document"], "id" | "mime_type" | "caption" | "filename">,
    Out<typeof MediaSchema>
  >,
  Extends<Pick<ServerStickerMessage["sticker"], "id" | "mime_type">, Out<typeof MediaSchema>>,
  Extends<
    Pick<ServerLocationMessage["location"], "latitude" | "longitude" | "name" | "address">,
    Out<typeof LocationSchema>
  >,
  Extends<Pick<ServerInteractiveButtonMessage, "type" | "button_reply">, Out<typeof InteractiveSchema>>,
  Extends<Pick<ServerInteractiveListMessage, "type" | "list_reply">, Out<typeof InteractiveSchema>>,
  Extends<Pick<ServerButtonMessage["button"], "text">, NonNullable<WhatsAppMessage["button"]>>,
  Extends<
    Pick<ServerMessage, "id" | "timestamp" | "type">,
    Pick<WhatsAppMessage, "id" | "timestamp" | "type">
  >,
  Extends<NonNullable<ServerMessage["from"]>, NonNullable<WhatsAppMessage["from"]>>,
  Extends<ServerMessage["from_user_id"], NonNullable<WhatsAppMessage["from_user_id"]>>,
];

/**
 * What a message says to the agent: its text (a caption for media, a short description for a
 * location or a contact card) and attachments (media ids, never the bytes), or why it is not for the
 * agent (reactions, unsupported and system messages, orders, Flows replies).
 */
export function messageContent(
  message: WhatsAppMessage,
): { text: string; attachments: Attachment[] } | { ignored: string } {
  const media = (kind: Attachment["kind"], m: v.InferOutput<typeof MediaSchema>) => ({
    text: m.caption ?? "",
    attachments: [
      {
        kind,
        id: m.id,
        ...(m.mime_type === undefined ? {} : { mime: m.mime_type }),
        ...(m.filename === undefined ? {} : { name: m.filename }),
      },
    ],
  });
  const none = { attachments: [] };
  switch (message.type) {
    case "text":
      return message.text ? { text: message.text.body, ...none } : { ignored: "text message without text" };
    case "image":
    case "video":
    case "document":
    case "sticker": {
      const m = message[message.type];
      return m ? media(message.type, m) : { ignored: `${message.type} message without ${message.type}` };
    }
    case "audio":
      return message.audio
        ? media(message.audio.voice ? "voice" : "audio", message.audio)
        : { ignored: "audio message without audio" };
    case "interactive": {
      const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
      return choice
        ? { text: choice.title, ...none }
        : { ignored: `interactive ${message.interactive?.type}` };
    }
    case "button":
      return message.button ? { text: message.button.text, ...none } : { ignored: "button without text" };
    case "location": {
      const l = message.location;
      if (!l) return { ignored: "location message without location" };
      const place = [l.name, l.address].filter(Boolean).join(", ");
      return { text: `[location] ${place ? `${place} ` : ""}(${l.latitude}, ${l.longitude})`, ...none };
    }
    case "contacts": {
      const cards = (message.contacts ?? []).map((c) => {
        const phones = (c.phones ?? []).map((p) => p.phone ?? p.wa_id).filter(Boolean);
        return [c.name?.formatted_name, ...phones].filter(Boolean).join(" ");
      });
      return cards.length > 0
        ? { text: `[contact] ${cards.join("; ")}`, ...none }
        : { ignored: "contacts message without contacts" };
    }
    default:
      // reaction, unsupported, unknown, system, order, request_welcome …: nothing for the agent.
      return { ignored: `${message.type} message` };
  }
}
