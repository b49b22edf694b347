import * as v from "valibot";
import type { PostData, ServerContacts, ServerStatusPayload } from "whatsapp-api-js/types";
import { ENVELOPE_VERSION } from "../core/envelope.ts";
import { type Inbound, parseCommand } from "../core/inbound.ts";
import { ChunkCallbackSchema, type ChunkConfirmation } from "./callback.ts";
import { Digits, MessageSchema, messageContent, type WhatsAppMessage } from "./content.ts";
import type { WhatsAppReply } from "./reply.ts";

/**
 * Cloud API webhook deliveries, as far as we read them: the messages (content.ts) and the statuses of
 * ours. The schemas describe only the fields we use (the rest is dropped); fields Meta may leave out are
 * optional. They are checked against the whatsapp-api-js typings below (Meta publishes none).
 */

export const ContactSchema = v.object({
  /** The user's phone number, digits with country code; omitted for users with a username. */
  wa_id: v.optional(v.string()),
  /** The business-scoped user id (BSUID, `US.1349…`), sent since 2026. */
  user_id: v.optional(v.string()),
  profile: v.optional(v.object({ name: v.optional(v.string()) })),
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
export type WhatsAppContact = v.InferOutput<typeof ContactSchema>;
type MessagesValue = v.InferOutput<typeof MessagesValueSchema>;

// Compile-time: every delivery the typings describe passes our schemas, and the fields we read have
// their types.
type Extends<A extends B, B> = A;
type Out<S extends v.GenericSchema> = v.InferOutput<S>;
type Value = Extract<PostData["entry"][number]["changes"][number], { field: "messages" }>["value"];
export type _Checks = [
  Extends<Pick<ServerContacts, "wa_id" | "user_id">, Pick<WhatsAppContact, "wa_id" | "user_id">>,
  Extends<NonNullable<NonNullable<ServerContacts["profile"]>["name"]>, string>,
  Extends<
    Pick<ServerStatusPayload, "id" | "status" | "biz_opaque_callback_data">,
    Pick<Out<typeof StatusSchema>, "id" | "status" | "biz_opaque_callback_data">
  >,
  Extends<Value["metadata"], MessagesValue["metadata"]>,
  Extends<PostData["object"], WhatsAppDelivery["object"]>,
];

/** Meta lets a business answer freely only within 24 hours of the user's last message. */
export const SERVICE_WINDOW_SECONDS = 24 * 60 * 60;

/** A delivery report saying one of our messages failed (they come as statuses, not as API errors). */
export interface FailedStatus {
  readonly id: string;
  readonly code: number | undefined;
  readonly title: string | undefined;
}

/** What a delivery holds: each message read (in order), and the statuses of ours. */
export interface DeliveryContents {
  /** Each message with what it became: an envelope to queue, or why it is left alone. */
  readonly messages: { readonly id: string; readonly inbound: Inbound }[];
  /** How many delivery statuses (sent, delivered, read) came; never queued. */
  readonly statuses: number;
  readonly failed: FailedStatus[];
  /** Reply chunks of ours that Meta says went out (sent, delivered or read), for the send ledger. */
  readonly confirmed: ChunkConfirmation[];
}

/** The statuses that say a message left Meta for the user's phone (`failed` does not). */
const CONFIRMING = new Set(["sent", "delivered", "read"]);

/**
 * Reads a delivery: one envelope per message we answer, in delivery order. Statuses are counted (failed
 * ones returned, to be logged; those confirming one of our reply chunks from our phone number returned,
 * once per chunk).
 */
export function readDelivery(
  delivery: WhatsAppDelivery,
  options: { phoneNumberId: string; now?: number },
): DeliveryContents {
  const now = options.now ?? Date.now();
  const out = { messages: [] as DeliveryContents["messages"], statuses: 0, failed: [] as FailedStatus[] };
  const confirmed = new Map<string, ChunkConfirmation>();
  for (const entry of delivery.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      // ChangeSchema parsed a `messages` change's value with MessagesValueSchema (the variant's first option).
      const value = change.value as MessagesValue;
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
        if (chunk.success && !confirmed.has(data)) confirmed.set(data, chunk.output);
      }
      for (const message of value.messages ?? []) {
        const inbound =
          phoneNumberId === options.phoneNumberId
            ? toEnvelope(message, value, now)
            : { ignored: `for phone number id ${phoneNumberId}, not ${options.phoneNumberId}` };
        out.messages.push({ id: message.id, inbound });
      }
    }
  }
  return { ...out, confirmed: [...confirmed.values()] };
}

/**
 * Turns a message to our number into an envelope. Messages from groups, of types the agent cannot use,
 * or older than the 24-hour service window (which could not be answered) are ignored.
 */
export function toEnvelope(message: WhatsAppMessage, value: MessagesValue, now = Date.now()): Inbound {
  if (message.group_id !== undefined) return { ignored: "group message" };
  const userId = message.from ?? message.from_user_id;
  if (userId === undefined) return { ignored: "no sender" };
  if (now / 1000 - Number(message.timestamp) > SERVICE_WINDOW_SECONDS) {
    return { ignored: "older than the 24-hour service window, so it cannot be answered" };
  }
  const read = messageContent(message);
  if ("ignored" in read) return read;
  const contact =
    value.contacts?.find(
      (c) =>
        (message.from !== undefined && c.wa_id === message.from) ||
        (message.from_user_id !== undefined && c.user_id === message.from_user_id),
    ) ?? (value.contacts?.length === 1 ? value.contacts[0] : undefined);
  const name = contact?.profile?.name;
  const command = parseCommand(read.text);
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "whatsapp",
      eventId: message.id,
      conversation: userId,
      user: { id: userId, ...(name ? { name } : {}) },
      text: command ? command.text : read.text,
      ...(command ? { command: command.command } : {}),
      attachments: read.attachments,
      reply: {
        phoneNumberId: value.metadata.phone_number_id,
        messageId: message.id,
        ...(message.from === undefined ? { recipient: userId } : { to: message.from }),
      } satisfies WhatsAppReply,
      receivedAt: now,
    },
  };
}
