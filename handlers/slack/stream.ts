import type { Part, Ref, Streaming } from "../core/adapter.ts";
import { log } from "../core/log.ts";
import { isSlackError, type SlackCall } from "./api.ts";
import { markdownToSlackMrkdwn } from "./format.ts";
import { replyMetadata } from "./lookup.ts";
import type { SlackReply } from "./reply.ts";

/**
 * How Slack answers show while the agent writes them (handlers/slack/README.md): Slack's own streams
 * (chat.startStream, chat.appendStream, chat.stopStream) in threads, else a message posted and updated
 * (chat.update). A stream shows Markdown as it comes and ends, in the same call as its stop, with the rest
 * of the part's Markdown and the reply's metadata: the answer is final one call after the agent's last
 * words, as a non-streamed post is. Slack renders that Markdown (a non-streamed answer is our mrkdwn); a
 * stream this container cannot end so (an earlier attempt's) is stopped and updated to the mrkdwn.
 */

/**
 * The pace of each: chat.appendStream is Tier 4 (100+ a minute per workspace), chat.update Tier 3 (50+).
 * One stream appends at most 60 a minute; one answer by updates at most 20, so two at once, their final
 * updates included, stay under Tier 3: an update the answer's last words wait on must not meet a 429 that
 * the live updates of the workspace's answers brought on.
 */
export const SLACK_STREAMING = {
  native: { mode: "append", everyMs: 1_000 },
  update: { mode: "edit", everyMs: 3_000 },
} as const satisfies Record<string, Streaming>;

/** chat.*Stream's `markdown_text` takes at most 12,000 characters a call. */
export const STREAM_TEXT_LIMIT = 12_000;

/** Refusals meaning this workspace or app has no streams at all: the container streams by updates from then on. */
const NO_STREAMS = [
  "unknown_method",
  "method_deprecated",
  "deprecated_endpoint",
  "feature_not_enabled",
  "not_allowed_token_type",
  "missing_scope",
  "enterprise_is_restricted",
  "accesslimited",
];

/**
 * Refusals of a stream in this conversation only (a group DM, a channel without recipient): the answer
 * goes on as a message updated as it grows, and so do the conversation's later ones.
 */
const NOT_HERE = [
  "channel_type_not_supported",
  "missing_recipient_user_id",
  "missing_recipient_team_id",
  "restricted_action_non_threadable_channel",
];

/** A mention in streamed Markdown stays text: `<!channel>`, `<@U1>` would be a ping (mrkdwn escapes them). */
const neutralise = (markdown: string) => markdown.replace(/<([!@#])/g, "<\u200B$1");

/**
 * Slack's streams for one outbox: which messages still stream, which conversations take none. `post`
 * posts a part as a plain message (the outbox's own post, with its metadata).
 */
export function slackStreams(
  call: SlackCall,
  post: (reply: SlackReply, part: Part) => Promise<Ref | undefined>,
) {
  /** Streams this container started and has not stopped, with the Markdown they show, by ts. */
  const open = new Map<Ref, string>();
  /** Messages posted where a stream was refused, with the Markdown they show so far, by ts. */
  const instead = new Map<Ref, string>();
  /** Conversations that refused a stream. */
  const refused = new Set<string>();
  const streamOf = (reply: SlackReply, ref: Ref) => ({ channel: reply.channel, ts: ref });

  /** Ends the stream `ref` (one an earlier attempt left open too); one that already ended is fine. */
  const stop = async (reply: SlackReply, ref: Ref) => {
    open.delete(ref);
    await call("chat.stopStream", streamOf(reply, ref)).catch((error: unknown) => {
      if (!isSlackError(error, "message_not_in_streaming_state")) throw error;
    });
  };

  return {
    /** Streams where Slack has them: in a thread, and outside a DM only for a known recipient. */
    streaming(reply: SlackReply): Streaming {
      const here =
        reply.threadTs !== undefined &&
        !refused.has(reply.channel) &&
        (reply.channel.startsWith("D") || (reply.user !== undefined && reply.team !== undefined));
      if (!here) return SLACK_STREAMING.update;
      return {
        ...SLACK_STREAMING.native,
        fallback: SLACK_STREAMING.update,
        refuses: (error) => isSlackError(error, ...NO_STREAMS),
      };
    },
    async start(reply: SlackReply, part: Part, markdown: string): Promise<Ref> {
      const shows = markdown.slice(0, STREAM_TEXT_LIMIT);
      try {
        const started = await call<{ ts?: string }>("chat.startStream", {
          channel: reply.channel,
          thread_ts: reply.threadTs,
          markdown_text: neutralise(shows),
          ...(reply.channel.startsWith("D")
            ? {}
            : { recipient_user_id: reply.user, recipient_team_id: reply.team }),
        });
        if (started.ts === undefined) throw new Error("chat.startStream answered without a ts");
        open.set(started.ts, shows);
        return started.ts;
      } catch (error) {
        if (!isSlackError(error, ...NOT_HERE)) throw error;
        refused.add(reply.channel);
        log.info("slack.stream_refused", { channel: reply.channel, reason: error.reason });
        // Slack answered no: nothing was posted. The part goes as a message, grown by updates.
        const ts = await post(reply, { ...part, text: markdownToSlackMrkdwn(markdown) });
        if (ts === undefined) throw error;
        instead.set(ts, markdown);
        return ts;
      }
    },
    async append(reply: SlackReply, ref: Ref, markdown: string): Promise<void> {
      const shown = instead.get(ref);
      if (shown !== undefined) {
        instead.set(ref, shown + markdown);
        await call("chat.update", { ...streamOf(reply, ref), text: markdownToSlackMrkdwn(shown + markdown) });
        return;
      }
      const added = markdown.slice(0, STREAM_TEXT_LIMIT);
      await call("chat.appendStream", { ...streamOf(reply, ref), markdown_text: neutralise(added) });
      const before = open.get(ref);
      if (before !== undefined) open.set(ref, before + added);
    },
    /**
     * Puts `part`'s final text in message `ref`, with its metadata. A stream this container started whose
     * Markdown begins the part's ends with the rest of it, in one call: its final text is the part's
     * Markdown as Slack renders it. Any other message is updated to the part's mrkdwn: a stream this
     * container started is stopped first; a message Slack will not update while an earlier attempt's
     * stream is still open is stopped and updated again.
     */
    async edit(reply: SlackReply, ref: Ref, part: Part): Promise<void> {
      instead.delete(ref);
      const metadata =
        part.key === undefined ? undefined : JSON.stringify(replyMetadata(part.key, part.index));
      const shows = open.get(ref);
      const rest = restOf(part.markdown, shows);
      if (rest !== undefined && rest.length <= STREAM_TEXT_LIMIT) {
        try {
          await call("chat.stopStream", {
            ...streamOf(reply, ref),
            ...(rest.trim() === "" ? {} : { markdown_text: neutralise(rest) }),
            metadata,
          });
          open.delete(ref);
          return;
        } catch (error) {
          // Slack ended it already (idle too long, or a stop whose answer was lost): replaced below.
          if (!isSlackError(error, "message_not_in_streaming_state")) throw error;
          open.delete(ref);
        }
      }
      if (open.has(ref)) await stop(reply, ref);
      const update = () => call("chat.update", { ...streamOf(reply, ref), text: part.text, metadata });
      try {
        await update();
      } catch (error) {
        if (!isSlackError(error, "cant_update_message", "message_not_in_streaming_state")) throw error;
        await stop(reply, ref);
        await update();
      }
    },
    async remove(reply: SlackReply, ref: Ref): Promise<void> {
      open.delete(ref);
      instead.delete(ref);
      await call("chat.delete", streamOf(reply, ref)).catch((error: unknown) => {
        if (!isSlackError(error, "message_not_found")) throw error;
      });
    },
  };
}

/**
 * What `markdown` (a part's) adds to `shows` (what its stream shows): undefined when the stream shows
 * something else. Whitespace the stream shows past the part's end adds nothing (parts are trimmed).
 */
function restOf(markdown: string | undefined, shows: string | undefined): string | undefined {
  if (markdown === undefined || shows === undefined) return undefined;
  if (markdown.startsWith(shows)) return markdown.slice(shows.length);
  return shows.trimEnd() === markdown ? "" : undefined;
}
