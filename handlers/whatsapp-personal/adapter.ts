import type * as v from "valibot";
import type { ChannelAdapter } from "../core/adapter.ts";
import { requiredEnv } from "../core/config.ts";
import { readMedia } from "../core/worker/settings.ts";
import { whatsappPersonalOutbox } from "./outbox.ts";
import { type WhatsAppPersonalReply, WhatsAppPersonalReplySchema, whatsappPersonalReplyTo } from "./reply.ts";
import { type WhatsAppPersonalSecret, WhatsAppPersonalSecretSchema } from "./secret.ts";

/** WhatsApp personal as a channel: the worker answers through the relay's outbound queue. */
export const whatsappPersonal: ChannelAdapter<WhatsAppPersonalSecret, WhatsAppPersonalReply> = {
  channel: "whatsapp-personal",
  secretSchema: WhatsAppPersonalSecretSchema as v.GenericSchema<unknown, WhatsAppPersonalSecret>,
  replySchema: WhatsAppPersonalReplySchema,
  // "typing…" fades after about 25 seconds without a new presence update.
  typingIntervalMs: 10_000,
  // The owner's own account: the relay queues only allowed senders, and should one slip through, the
  // worker stays silent rather than refuse them in the owner's name.
  answersStrangers: false,
  outbox: () =>
    whatsappPersonalOutbox(
      requiredEnv("OUTBOUND_QUEUE_URL", "set it to the URL of the relay's outbound FIFO queue"),
      // Files the agent sends travel through the media bucket; without one they are named in text.
      readMedia().store,
    ),
  replyTo: whatsappPersonalReplyTo,
  // Pairing happens in the relay (a QR code in its log and in S3): nothing to register at deploy time.
  setup: async () => ({ note: "pair the relay by scanning its QR code; nothing to register" }),
  teardown: async () => ({}),
};
