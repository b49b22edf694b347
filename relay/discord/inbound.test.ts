import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { EnvelopeSchema } from "../../handlers/core/envelope.ts";
import { DiscordReplySchema } from "../../handlers/discord/reply.ts";
import { type DiscordMessage, MessageCreateSchema, toEnvelope } from "./inbound.ts";

const BOT = "900000000000000001";
const USER = "100000000000000001";

function message(overrides: Partial<DiscordMessage> = {}): DiscordMessage {
  return v.parse(MessageCreateSchema, {
    id: "300000000000000001",
    channel_id: "200000000000000001",
    author: { id: USER, username: "ada", global_name: "Ada Lovelace" },
    content: "hello",
    type: 0,
    mentions: [],
    attachments: [],
    ...overrides,
  });
}

const envelopeOf = (m: DiscordMessage) => {
  const inbound = toEnvelope(m, BOT, 1_700_000_000_000);
  if (!("envelope" in inbound)) throw new Error(`ignored: ${inbound.ignored}`);
  return inbound.envelope;
};

describe("toEnvelope", () => {
  test("a direct message becomes the contract's envelope", () => {
    const envelope = envelopeOf(message());
    expect(envelope).toEqual({
      v: 1,
      channel: "discord",
      eventId: "300000000000000001",
      conversation: "200000000000000001",
      user: { id: USER, name: "Ada Lovelace" },
      text: "hello",
      attachments: [],
      reply: { kind: "message", channelId: "200000000000000001", messageId: "300000000000000001" },
      receivedAt: 1_700_000_000_000,
    });
    expect(v.safeParse(EnvelopeSchema, envelope).success).toBe(true);
    expect(v.safeParse(DiscordReplySchema, envelope.reply).success).toBe(true);
  });

  test("the username stands in when there is no display name", () => {
    const envelope = envelopeOf(message({ author: { id: USER, username: "ada", global_name: null } }));
    expect(envelope.user).toEqual({ id: USER, name: "ada" });
  });

  test("server messages: only when mentioned (mention removed) or replied to", () => {
    const guild = { guild_id: "400000000000000001" };
    expect(toEnvelope(message({ ...guild, content: "chatter" }), BOT)).toEqual({
      ignored: "server message not addressed to the bot",
    });
    const mentioned = envelopeOf(
      message({ ...guild, content: `<@${BOT}> what time is it <@!${BOT}>?`, mentions: [{ id: BOT }] }),
    );
    expect(mentioned.text).toBe("what time is it ?");
    expect(mentioned.reply).toEqual({
      kind: "message",
      channelId: "200000000000000001",
      messageId: "300000000000000001",
      guildId: "400000000000000001",
    });
    const reply = envelopeOf(message({ ...guild, type: 19, referenced_message: { author: { id: BOT } } }));
    expect(reply.text).toBe("hello");
    const otherMention = message({
      ...guild,
      content: "<@123456789012345678> hi",
      mentions: [{ id: "123456789012345678" }],
    });
    expect("ignored" in toEnvelope(otherMention, BOT)).toBe(true);
  });

  test("/new and /help are commands, as on every channel; in a server after the bot's mention", () => {
    expect(envelopeOf(message({ content: "/new" }))).toMatchObject({ command: "new", text: "" });
    expect(envelopeOf(message({ content: "/HELP me" }))).toMatchObject({ command: "help", text: "me" });
    const guild = { guild_id: "400000000000000001", mentions: [{ id: BOT }] };
    expect(envelopeOf(message({ ...guild, content: `<@${BOT}> /new` }))).toMatchObject({
      command: "new",
      text: "",
    });
    for (const content of ["/newish", "say /new", "/ask me"]) {
      expect(envelopeOf(message({ content }))).not.toHaveProperty("command");
    }
  });

  test("bots, webhooks and system messages are ignored", () => {
    expect(toEnvelope(message({ author: { id: BOT, username: "me", bot: true } }), BOT)).toEqual({
      ignored: "sent by a bot",
    });
    expect(toEnvelope(message({ webhook_id: "500000000000000001" }), BOT)).toEqual({
      ignored: "sent by a webhook",
    });
    expect(toEnvelope(message({ type: 7 }), BOT)).toEqual({ ignored: "not a user message" });
  });

  test("attachments: kind from the content type, the URL as id", () => {
    const attachments = ["image/png", "audio/ogg", "video/mp4", "application/pdf", undefined].map(
      (type, i) => ({
        id: `60000000000000000${i}`,
        filename: `f${i}`,
        size: 10 + i,
        url: `https://cdn.discordapp.com/attachments/1/2/f${i}`,
        ...(type ? { content_type: type } : {}),
      }),
    );
    const envelope = envelopeOf(message({ content: "", attachments }));
    expect(envelope.attachments.map((a) => a.kind)).toEqual([
      "image",
      "audio",
      "video",
      "document",
      "document",
    ]);
    expect(envelope.attachments[0]).toEqual({
      kind: "image",
      id: "https://cdn.discordapp.com/attachments/1/2/f0",
      mime: "image/png",
      size: 10,
      name: "f0",
    });
    expect(envelope.attachments[4]).not.toHaveProperty("mime");
  });

  test("the schema refuses what is not a message", () => {
    expect(v.safeParse(MessageCreateSchema, { id: "x" }).success).toBe(false);
    expect(v.safeParse(MessageCreateSchema, { ...message(), id: "not-a-snowflake" }).success).toBe(false);
  });
});
