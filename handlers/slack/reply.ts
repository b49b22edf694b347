import * as v from "valibot";
import type { OutboundTarget } from "../core/adapter.ts";

/** A Slack timestamp, which is also a message id: `1700000000.123456`. */
export const Ts = v.pipe(v.string(), v.regex(/^\d{1,12}\.\d{1,9}$/));
/** User, bot user, channel and team ids: `U0123ABCD`, `W…`, `C…`, `D…`, `G…`. */
export const SlackId = v.pipe(v.string(), v.regex(/^[A-Z0-9]{2,64}$/));

/** What the Slack worker needs to answer (`envelope.reply`): where, and how to show progress. */
export const SlackReplySchema = v.object({
  channel: SlackId,
  /** The user's message: the progress reaction goes on it. Absent for a message the agent or the bot starts. */
  ts: v.optional(Ts),
  /** The thread the answer goes to; absent for a DM's top-level messages (answered top level). */
  threadTs: v.optional(Ts),
  /** A DM thread (the assistant container): progress via assistant.threads.setStatus. */
  assistant: v.boolean(),
  /**
   * Set for a thread reply that does not mention the bot: its user id, and the worker answers only when
   * the bot already posted in that thread.
   */
  requireBotInThread: v.optional(SlackId),
  /**
   * Who asked, and their workspace: a stream outside a DM (chat.startStream) is for one recipient.
   * Absent in envelopes queued before streaming (then answers there stream by edits).
   */
  user: v.optional(SlackId),
  team: v.optional(SlackId),
});
export type SlackReply = v.InferOutput<typeof SlackReplySchema>;

/** Where a message the agent starts goes: the channel (`conversation`) and the thread (`thread`, its ts). */
export function slackReplyTo(to: OutboundTarget): unknown {
  return {
    channel: to.conversation,
    ...(to.thread === undefined ? {} : { threadTs: to.thread }),
    assistant: false,
  };
}
