import type { Envelope } from "../handlers/core/envelope.ts";

/** A valid Telegram envelope for unit tests; spread and override what a test needs. */
export const sampleEnvelope: Envelope = {
  v: 1,
  channel: "telegram",
  eventId: "1001",
  conversation: "42",
  user: { id: "7", name: "Ada" },
  text: "hello",
  attachments: [],
  reply: { chatId: 42, messageId: 5, private: true },
  receivedAt: 1_700_000_000_000,
};
