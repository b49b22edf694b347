import * as v from "valibot";
import type { OutboundTarget } from "../core/adapter.ts";
import { Snowflake } from "./secret.ts";

/**
 * What the Discord worker needs to answer: the reply context in `envelope.reply`. Two cases of one
 * adapter, shared with the always-on relay (which enqueues gateway MESSAGE_CREATE envelopes):
 *
 * - `interaction`: a slash command, answered through its webhook (edit the deferred "thinking…"
 *   response, then follow-ups) while the token lives (15 minutes), else in the channel.
 * - `message`: a channel or DM message from the gateway, answered in the channel as a reply to it; or,
 *   without `messageId`, a DM the bot starts (Outbox.direct: an admin's access requests).
 *
 * Changing a field here is a change of the contract with relay/: keep both sides in step.
 */

const InteractionReplySchema = v.object({
  kind: v.literal("interaction"),
  applicationId: Snowflake,
  /** The interaction token: a credential for 15 minutes. Never logged. */
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(1000)),
  interactionId: Snowflake,
  channelId: Snowflake,
  /** When Discord issued the token (the interaction id's timestamp), ms since the epoch. */
  issuedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

const MessageReplySchema = v.object({
  kind: v.literal("message"),
  channelId: Snowflake,
  /** The user's message, which the answer replies to; absent for a message the agent or the bot starts. */
  messageId: v.optional(Snowflake),
  /** Absent in DMs. */
  guildId: v.optional(Snowflake),
});

/** The reply context of a Discord envelope. */
export const DiscordReplySchema = v.variant("kind", [InteractionReplySchema, MessageReplySchema]);

export type DiscordReply = v.InferOutput<typeof DiscordReplySchema>;
export type InteractionReply = v.InferOutput<typeof InteractionReplySchema>;
export type MessageReply = v.InferOutput<typeof MessageReplySchema>;

/** Where a message the agent starts goes: the channel (`conversation`; Discord conversations have no thread). */
export function discordReplyTo(to: OutboundTarget): unknown {
  return to.thread === undefined ? { kind: "message", channelId: to.conversation } : undefined;
}
