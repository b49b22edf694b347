import * as v from "valibot";
import type {
  PostData,
  ServerAudioMessage,
  ServerButtonMessage,
  ServerContacts,
  ServerDocumentMessage,
  ServerImageMessage,
  ServerInteractiveButtonMessage,
  ServerInteractiveListMessage,
  ServerLocationMessage,
  ServerMessage,
  ServerStatusPayload,
  ServerStickerMessage,
  ServerTextMessage,
  ServerVideoMessage,
} from "whatsapp-api-js/types";
import { ENVELOPE_VERSION, type Envelope } from "../core/envelope.ts";
import { ChunkCallbackSchema, type ChunkConfirmation } from "./callback.ts";
import { messageContent, parseCommand } from "./content.ts";

/**
 * Cloud API webhook deliveries, as far as we read them. The schemas describe only the fields we
 * use (the rest is dropped); fields Meta may leave out are optional. They are checked against the
 * whatsapp-api-js typings below (Meta publishes none), so a payload those typings allow passes.
 */

const Digits = v.pipe(v.string(), v.regex(/^\d{1,32}$/));
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

export const ContactSchema = v.object({
  /** The user's phone number, digits with country code; omitted for users with a username. */
  wa_id: v.optional(v.string()),
  /** The business-scoped user id (BSUID, `US.1349…`), sent since 2026. */
  user_id: v.optional(v.string()),
  profile: v.optional(v.object({ name: v.optional(v.string()) })),
});

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

export const StatusSchema = v.object({
  id: v.string(),
  status: v.string(),
  /** What we sent as the message's biz_opaque_callback_data (callback.ts), in sent/delivered/read. */
  biz_opaque_callback_data: v.optional(v.string()),
  errors: v.optional(v.array(v.object({ code: v.optional(v.number()), title: v.optional(v.string()) }))),
});

export const MessagesValueSchema = v.object({
  metadata: v.object({ phone_number_id: Digits, display_phone_number: v.optional(v.string()) }),
  contacts: v.optional(v.array(ContactSchema)),
  messages: v.optional(v.array(MessageSchema)),
  statuses: v.optional(v.array(StatusSchema)),
});

/** A change: `messages` (messages and statuses) is read, other fields are ignored. */
export const ChangeSchema = v.variant("field", [
  v.object({ field: v.literal("messages"), value: MessagesValueSchema }),
  v.object({ field: v.pipe(v.string(), v.notValue("messages")), value: v.unknown() }),
]);

export const DeliverySchema = v.object({
  object: v.literal("whatsapp_business_account"),
  entry: v.array(v.object({ id: v.optional(v.string()), changes: v.array(ChangeSchema) })),
});

export type WhatsAppDelivery = v.InferOutput<typeof DeliverySchema>;
export type WhatsAppMessage = v.InferOutput<typeof MessageSchema>;
export type WhatsAppContact = v.InferOutput<typeof ContactSchema>;

// Compile-time: every payload the typings describe passes our schemas, and the fields we read have
// their types.
type Extends<A extends B, B> = A;
type Out<S extends v.GenericSchema> = v.InferOutput<S>;
type Value = Extract<PostData["entry"][number]["changes"][number], { field: "messages" }>["value"];
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
  Extends<Pick<ServerContacts, "wa_id" | "user_id">, Pick<WhatsAppContact, "wa_id" | "user_id">>,
  Extends<NonNullable<NonNullable<ServerContacts["profile"]>["name"]>, string>,
  Extends<
    Pick<ServerStatusPayload, "id" | "status" | "biz_opaque_callback_data">,
    Pick<Out<typeof StatusSchema>, "id" | "status" | "biz_opaque_callback_data">
  >,
  Extends<Value["metadata"], Out<typeof MessagesValueSchema>["metadata"]>,
  Extends<PostData["object"], WhatsAppDelivery["object"]>,
];

/** What the reply needs: the number to answer from, the user's message, and where to send. */
export const WhatsAppReplySchema = v.pipe(
  v.object({
    phoneNumberId: Digits,
    /** The user's message: marked read, shown typing on, and quoted by the first reply. */
    messageId: Id,
    /** The user's phone number (wa_id), when the delivery gave it. */
    to: v.optional(Digits),
    /** The user's BSUID, for users whose phone number is hidden behind a username. */
    recipient: v.optional(Id),
  }),
  v.check((r) => r.to !== undefined || r.recipient !== undefined, "a reply needs to or recipient"),
);
export type WhatsAppReply = v.InferOutput<typeof WhatsAppReplySchema>;

/** Meta lets a business answer freely only within 24 hours of the user's last message. */
export const SERVICE_WINDOW_SECONDS = 24 * 60 * 60;

/** A message we leave alone (answered 200 all the same, so Meta does not send it again). */
export interface Ignored {
  readonly id: string;
  readonly reason: string;
}

/** A delivery report saying one of our messages failed (they come as statuses, not as API errors). */
export interface FailedStatus {
  readonly id: string;
  readonly code: number | undefined;
  readonly title: string | undefined;
}

/** The outcome of reading a delivery: envelopes to queue, in order, and what was left alone. */
export interface Inbound {
  readonly envelopes: Envelope[];
  readonly ignored: Ignored[];
  /** How many delivery statuses (sent, delivered, read) came; never queued. */
  readonly statuses: number;
  readonly failed: FailedStatus[];
  /** Reply chunks of ours that Meta says went out (sent, delivered or read), for the send ledger. */
  readonly confirmed: ChunkConfirmation[];
}

/** The statuses that say a message left Meta for the user's phone (`failed` does not). */
const CONFIRMING = new Set(["sent", "delivered", "read"]);

/**
 * Turns a delivery into one envelope per message we answer, in delivery order. Statuses are
 * counted (failed ones returned, to be logged; those confirming one of our reply chunks from our
 * phone number returned, once per chunk), messages for another phone number, from groups, of
 * types the agent cannot use, or older than the 24-hour service window (which could not be
 * answered) are ignored.
 */
export function toEnvelopes(
  delivery: WhatsAppDelivery,
  options: { phoneNumberId: string; now?: number },
): Inbound {
  const now = options.now ?? Date.now();
  const out = {
    envelopes: [] as Envelope[],
    ignored: [] as Ignored[],
    statuses: 0,
    failed: [] as FailedStatus[],
    confirmed: [] as ChunkConfirmation[],
  };
  const confirmedKeys = new Set<string>();
  for (const entry of delivery.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      // ChangeSchema parsed a `messages` change's value with MessagesValueSchema (the variant's first option).
      const value = change.value as v.InferOutput<typeof MessagesValueSchema>;
      const phoneNumberId = value.metadata.phone_number_id;
      for (const status of value.statuses ?? []) {
        out.statuses += 1;
        if (status.status === "failed") {
          const error = status.errors?.[0];
          out.failed.push({ id: status.id, code: error?.code, title: error?.title });
        }
        const data = status.biz_opaque_callback_data;
        if (!CONFIRMING.has(status.status) || data === undefined || phoneNumberId !== options.phoneNumberId)
          continue;
        const chunk = v.safeParse(ChunkCallbackSchema, data);
        if (!chunk.success || confirmedKeys.has(data)) continue;
        confirmedKeys.add(data);
        out.confirmed.push(chunk.output);
      }
      for (const message of value.messages ?? []) {
        const ignore = (reason: string) => out.ignored.push({ id: message.id, reason });
        if (phoneNumberId !== options.phoneNumberId) {
          ignore(`for phone number id ${phoneNumberId}, not ${options.phoneNumberId}`);
          continue;
        }
        if (message.group_id !== undefined) {
          ignore("group message");
          continue;
        }
        const userId = message.from ?? message.from_user_id;
        if (userId === undefined) {
          ignore("no sender");
          continue;
        }
        if (now / 1000 - Number(message.timestamp) > SERVICE_WINDOW_SECONDS) {
          ignore("older than the 24-hour service window, so it cannot be answered");
          continue;
        }
        const read = messageContent(message);
        if ("ignored" in read) {
          ignore(read.ignored);
          continue;
        }
        const contact =
          value.contacts?.find(
            (c) =>
              (message.from !== undefined && c.wa_id === message.from) ||
              (message.from_user_id !== undefined && c.user_id === message.from_user_id),
          ) ?? (value.contacts?.length === 1 ? value.contacts[0] : undefined);
        const name = contact?.profile?.name;
        const cmd = parseCommand(read.text);
        out.envelopes.push({
          v: ENVELOPE_VERSION,
          channel: "whatsapp",
          eventId: message.id,
          conversation: userId,
          user: { id: userId, ...(name ? { name } : {}) },
          text: cmd ? cmd.text : read.text,
          ...(cmd ? { command: cmd.command } : {}),
          attachments: read.attachments,
          reply: {
            phoneNumberId,
            messageId: message.id,
            ...(message.from === undefined ? { recipient: userId } : { to: message.from }),
          } satisfies WhatsAppReply,
          receivedAt: now,
        });
      }
    }
  }
  return out;
}
