import type { Outbox, Part } from "../core/adapter.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { isSlackError, type SlackCall } from "./api.ts";
import { markdownToSlackMrkdwn } from "./format.ts";
import { postedParts, replyMetadata } from "./lookup.ts";
import type { SlackReply } from "./reply.ts";
import { slackStreams } from "./stream.ts";
import { botInThread, type ThreadMemory, threadMemory } from "./threads.ts";
import { uploadFile } from "./upload.ts";

/**
 * Characters per message. Slack truncates `text` past 40,000 characters but asks for at most 4,000 for
 * readability, and clients fold long messages behind "Show more": 4,000 keeps each part whole on screen.
 */
export const SLACK_LIMIT = 4_000;

/** The reaction shown on the user's message while the agent works (outside assistant threads). */
export const PROGRESS_REACTION = "eyes";

/** The status shown in an assistant thread while the agent works. */
export const PROGRESS_STATUS = "is thinking…";

/**
 * The Web API as an outbox: mrkdwn split at 4,000 characters, in the thread of the user's message. Each
 * part carries message metadata naming the reply and the part, so a part an earlier attempt may have
 * posted is looked up in the conversation instead of posted again (lookup.ts).
 * Progress: assistant.threads.setStatus in assistant threads, else (or when Slack refuses the status) a
 * reaction added once and removed. Answers stream (stream.ts) as Slack streams in threads, else as a
 * message updated as it grows. Files are shared in the same thread (upload.ts).
 */
export function slackOutbox(call: SlackCall, memory: ThreadMemory = threadMemory()): Outbox<SlackReply> {
  const reacted = new Set<string>();
  const post = async (reply: SlackReply, part: Part) => {
    const message = await call<{ ts?: string }>("chat.postMessage", {
      channel: reply.channel,
      thread_ts: reply.threadTs,
      text: part.text,
      // Agent answers link freely; previews of every link would bury the answer.
      unfurl_links: false,
      unfurl_media: false,
      metadata: part.key === undefined ? undefined : JSON.stringify(replyMetadata(part.key, part.index)),
    });
    if (reply.threadTs !== undefined) memory.remember(reply.channel, reply.threadTs);
    return message.ts;
  };
  const streams = slackStreams(call, post);
  const posted = postedParts(call);
  const key = (reply: SlackReply) => `${reply.channel}:${reply.ts}`;
  // A DM thread outside the agent view (or an app without assistant:write) refuses setStatus for good:
  // then this container shows progress with the reaction instead.
  let statusWorks = true;
  const usesStatus = (reply: SlackReply) => statusWorks && reply.assistant && reply.threadTs !== undefined;
  const setStatus = (reply: SlackReply, status: string) =>
    call("assistant.threads.setStatus", { channel_id: reply.channel, thread_ts: reply.threadTs, status });
  return {
    render: markdownToSlackMrkdwn,
    limit: SLACK_LIMIT,
    async addressed(reply) {
      if (reply.requireBotInThread === undefined || reply.threadTs === undefined) return true;
      return botInThread(call, memory, reply.channel, reply.threadTs, reply.requireBotInThread);
    },
    async typing(reply) {
      if (usesStatus(reply)) {
        try {
          await setStatus(reply, PROGRESS_STATUS);
          return;
        } catch (error) {
          if (!(error instanceof PlatformError) || error.retryable) throw error;
          statusWorks = false;
          log.info("slack.status_unavailable", { reason: error.reason });
        }
      }
      // A reaction stays until removed: add it once per message (none without one).
      if (reply.ts === undefined || reacted.has(key(reply))) return;
      reacted.add(key(reply));
      await call("reactions.add", {
        channel: reply.channel,
        timestamp: reply.ts,
        name: PROGRESS_REACTION,
      }).catch((error: unknown) => {
        if (!isSlackError(error, "already_reacted")) throw error;
      });
    },
    async typingDone(reply) {
      if (reacted.delete(key(reply))) {
        await call("reactions.remove", {
          channel: reply.channel,
          timestamp: reply.ts,
          name: PROGRESS_REACTION,
        }).catch((error: unknown) => {
          if (!isSlackError(error, "no_reaction")) throw error;
        });
        return;
      }
      // An empty status clears it; the reply would too, but not a failed attempt's.
      if (usesStatus(reply)) await setStatus(reply, "");
    },
    async direct(userId) {
      // Needs the im:write scope (the module's app manifest asks for it).
      const opened = await call<{ channel?: { id?: string } }>("conversations.open", { users: userId });
      const channel = opened.channel?.id;
      return channel === undefined ? undefined : { channel, assistant: false };
    },
    post,
    async file(reply, file) {
      await uploadFile(call, reply, file);
      if (reply.threadTs !== undefined) memory.remember(reply.channel, reply.threadTs);
      return undefined;
    },
    lookup: (reply, part, since) => posted.lookup(reply, part, since),
    streaming: streams.streaming,
    async start(reply, part, markdown) {
      const ts = await streams.start(reply, part, markdown);
      if (reply.threadTs !== undefined) memory.remember(reply.channel, reply.threadTs);
      return ts;
    },
    append: streams.append,
    edit: streams.edit,
    remove: streams.remove,
  };
}
