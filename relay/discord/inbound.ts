import type { APIAttachment, APIUser, GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import * as v from "valibot";
import { ENVELOPE_VERSION } from "../../handlers/core/envelope.ts";
import { type Inbound, parseCommand } from "../../handlers/core/inbound.ts";
import { attachmentOf } from "../../handlers/discord/attachment.ts";
import type { MessageReply } from "../../handlers/discord/reply.ts";
import { Snowflake } from "../../handlers/discord/secret.ts";

/**
 * Discord gateway MESSAGE_CREATE events, as far as the relay reads them. The schemas describe only
 * the fields we use and are checked against discord-api-types below, so a field we read has the type
 * Discord gives it. The envelope is the shared contract with the Discord worker (handlers/discord):
 * channel "discord", reply `{ kind: "message", channelId, messageId, guildId? }`.
 */

/** Message types a person sends: DEFAULT (0) and REPLY (19). Joins, pins, boosts … are not for the agent. */
export const USER_MESSAGE_TYPES: readonly number[] = [0, 19];

export const UserSchema = v.object({
  id: Snowflake,
  username: v.string(),
  global_name: v.optional(v.nullable(v.string())),
  bot: v.optional(v.boolean()),
});

export const AttachmentSchema = v.object({
  id: Snowflake,
  filename: v.string(),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  url: v.pipe(v.string(), v.minLength(1)),
  content_type: v.optional(v.string()),
});

export const MessageCreateSchema = v.object({
  id: Snowflake,
  channel_id: Snowflake,
  guild_id: v.optional(Snowflake),
  author: UserSchema,
  content: v.string(),
  type: v.pipe(v.number(), v.integer()),
  webhook_id: v.optional(Snowflake),
  mentions: v.array(v.object({ id: Snowflake })),
  attachments: v.array(AttachmentSchema),
  referenced_message: v.optional(v.nullable(v.object({ author: v.optional(v.object({ id: Snowflake })) }))),
});

export type DiscordMessage = v.InferOutput<typeof MessageCreateSchema>;

// Compile-time: what we parse is what the gateway typings say.
type Extends<A extends B, B> = A;
export type _Checks = [
  Extends<
    Pick<APIUser, "id" | "username" | "global_name" | "bot">,
    Omit<v.InferOutput<typeof UserSchema>, "global_name"> & { global_name: string | null }
  >,
  Extends<
    Pick<APIAttachment, "id" | "filename" | "size" | "url" | "content_type">,
    v.InferOutput<typeof AttachmentSchema>
  >,
  Extends<
    Pick<GatewayMessageCreateDispatchData, "id" | "channel_id" | "guild_id" | "content" | "webhook_id">,
    Pick<DiscordMessage, "id" | "channel_id" | "guild_id" | "content" | "webhook_id">
  >,
  Extends<GatewayMessageCreateDispatchData["type"], DiscordMessage["type"]>,
];

/**
 * Turns a MESSAGE_CREATE into an envelope. Direct messages are always answered; in a server the bot
 * answers only when mentioned or replied to. Bots (itself included), webhooks and system messages are
 * ignored. The bot's mention (`<@id>` or `<@!id>`) is removed from the text, and a text command at its
 * start (`/new`, `/help`) is read as on every channel.
 */
export function toEnvelope(message: DiscordMessage, botId: string, now = Date.now()): Inbound {
  if (message.author.bot) return { ignored: "sent by a bot" };
  if (message.webhook_id !== undefined) return { ignored: "sent by a webhook" };
  if (!USER_MESSAGE_TYPES.includes(message.type)) return { ignored: "not a user message" };
  const direct = message.guild_id === undefined;
  const mentioned = message.mentions.some((user) => user.id === botId);
  const repliedTo = message.referenced_message?.author?.id === botId;
  if (!direct && !mentioned && !repliedTo) return { ignored: "server message not addressed to the bot" };

  const text = message.content
    .replace(new RegExp(`<@!?${botId}>`, "g"), " ")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
  const command = parseCommand(text);
  const name = message.author.global_name ?? message.author.username;
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "discord",
      eventId: message.id,
      conversation: message.channel_id,
      user: { id: message.author.id, ...(name ? { name } : {}) },
      ...(direct ? {} : { group: true }),
      text: command ? command.text : text,
      ...(command ? { command: command.command } : {}),
      attachments: message.attachments.map(attachmentOf),
      reply: {
        kind: "message",
        channelId: message.channel_id,
        messageId: message.id,
        ...(message.guild_id === undefined ? {} : { guildId: message.guild_id }),
      } satisfies MessageReply,
      receivedAt: now,
    },
  };
}
