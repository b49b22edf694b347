import * as v from "valibot";
import type { ChunkLookup } from "../core/chunks.ts";
import { sha256Hex } from "../core/crypto.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { retryWhenRateLimited } from "../core/rate-limit.ts";
import type { SlackCall } from "./api.ts";
import type { SlackReply } from "./reply.ts";

/**
 * Finding a reply chunk an earlier attempt may have posted. Every chunk goes out with Slack message
 * metadata naming the reply (a hash of the envelope id) and the chunk's index; when a chunk's outcome is
 * unknown (the worker died between Slack taking it and the ledger write), the worker reads the conversation
 * since the chunk went out and looks for that metadata. Slack has no idempotency key for chat.postMessage,
 * so this read is what keeps a redelivered message from posting the same part twice.
 */

/** The metadata event type of our reply chunks (snake_case, as Slack's metadata guidelines ask). */
export const REPLY_EVENT_TYPE = "agentcore_relay_reply";

/**
 * How far before the in-flight record the read starts, in ms: the record is written by the worker's clock
 * before the post, the message's `ts` by Slack's, and both are NTP-synced; 10 s covers any sane skew.
 */
export const CLOCK_SKEW_MS = 10_000;

/** Messages per page (conversations.history allows 999, conversations.replies 1,000). */
export const LOOKUP_PAGE_SIZE = 200;

/** Pages read at most: past 1,000 messages since the chunk went out, the lookup cannot tell. */
export const MAX_LOOKUP_PAGES = 5;

/** The metadata posted with chunk `part` of the reply `key`: `{ event_type, event_payload }`. */
export function replyMetadata(key: string, part: number) {
  return { event_type: REPLY_EVENT_TYPE, event_payload: { reply: replyTag(key), part } };
}

/**
 * A short tag of the reply (64 bits of sha256 of the envelope id): unique enough among the replies of one
 * conversation, and the envelope id itself (which names the user's message) stays out of the workspace.
 */
export function replyTag(key: string): string {
  return sha256Hex(key).slice(0, 16);
}

const ReplyMetadataSchema = v.object({
  event_type: v.literal(REPLY_EVENT_TYPE),
  event_payload: v.looseObject({ reply: v.string(), part: v.union([v.number(), v.string()]) }),
});

const PageSchema = v.looseObject({
  messages: v.optional(v.array(v.looseObject({ metadata: v.optional(v.unknown()) }))),
  has_more: v.optional(v.boolean()),
  response_metadata: v.optional(v.looseObject({ next_cursor: v.optional(v.string()) })),
});

/** Slack's `ts` (seconds with microseconds) for an epoch in ms, never negative. */
export function slackTsOf(epochMs: number): string {
  const ms = Math.max(0, Math.floor(epochMs));
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}000`;
}

/** Looks up reply chunks in Slack; one per outbox, so each refusal is logged once per container. */
export interface PostedChunks {
  /** The {@link ChunkLookup} for reply `key` in the conversation of `reply`. */
  lookup(reply: SlackReply, key: string, deadline: number): ChunkLookup;
}

/**
 * Reads the reply's conversation since the chunk went out (minus {@link CLOCK_SKEW_MS}) with its metadata:
 * conversations.replies for a thread, conversations.history for a DM's top level. True when a message
 * carries our event type, reply tag and the chunk's index; false when the whole window was read and none
 * did; undefined when Slack refuses the read (missing_scope, not_in_channel, …) or the window passes
 * {@link MAX_LOOKUP_PAGES} pages. Rate limits wait Retry-After when the deadline allows; other retryable
 * errors go up, so a later attempt looks again.
 * @example await sendChunks(chunks, options, post, postedChunks(call).lookup(reply, key, deadline));
 */
export function postedChunks(call: SlackCall): PostedChunks {
  const refusals = new Set<string>();
  return {
    lookup: (reply, key, deadline) => async (index, since) => {
      const tag = replyTag(key);
      const method = reply.threadTs === undefined ? "conversations.history" : "conversations.replies";
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
        let raw: unknown;
        try {
          raw = await retryWhenRateLimited(
            () =>
              call(method, {
                channel: reply.channel,
                ts: reply.threadTs,
                oldest: slackTsOf(since - CLOCK_SKEW_MS),
                include_all_metadata: true,
                limit: LOOKUP_PAGE_SIZE,
                cursor,
              }),
            deadline,
          );
        } catch (error) {
          if (!(error instanceof PlatformError) || error.retryable) throw error;
          if (!refusals.has(`${method}:${error.reason}`)) {
            refusals.add(`${method}:${error.reason}`);
            log.warn("slack.lookup_refused", { method, reason: error.reason, channel: reply.channel });
          }
          return undefined;
        }
        const parsed = v.safeParse(PageSchema, raw);
        if (!parsed.success) return undefined;
        const found = (parsed.output.messages ?? []).some((message) => {
          const metadata = v.safeParse(ReplyMetadataSchema, message.metadata);
          return (
            metadata.success &&
            metadata.output.event_payload.reply === tag &&
            String(metadata.output.event_payload.part) === String(index)
          );
        });
        if (found) return true;
        cursor = parsed.output.response_metadata?.next_cursor || undefined;
        if (!parsed.output.has_more) return false;
        if (!cursor) return undefined;
      }
      log.info("slack.lookup_too_long", { method, channel: reply.channel, pages: MAX_LOOKUP_PAGES });
      return undefined;
    },
  };
}
