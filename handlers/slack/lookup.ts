import * as v from "valibot";
import type { Part, Ref } from "../core/adapter.ts";
import { sha256Hex } from "../core/crypto.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import type { SlackCall } from "./api.ts";
import type { SlackReply } from "./reply.ts";

/**
 * Finding a reply part an earlier attempt may have posted. Every part goes out with Slack message
 * metadata naming the reply (a hash of the envelope id) and the part's index; when a part's outcome is
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
  messages: v.optional(
    v.array(v.looseObject({ ts: v.optional(v.string()), metadata: v.optional(v.unknown()) })),
  ),
  has_more: v.optional(v.boolean()),
  response_metadata: v.optional(v.looseObject({ next_cursor: v.optional(v.string()) })),
});

/** Slack's `ts` (seconds with microseconds) for an epoch in ms, never negative. */
export function slackTsOf(epochMs: number): string {
  const ms = Math.max(0, Math.floor(epochMs));
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}000`;
}

/** Looks up reply parts in Slack; one per outbox, so each refusal is logged once per container. */
export interface PostedParts {
  /** Whether `part` of the reply, posted at `since` (epoch ms) by an earlier attempt, is in the conversation. */
  lookup(reply: SlackReply, part: Part, since: number): Promise<Ref | false | undefined>;
}

/**
 * Reads the reply's conversation since the chunk went out (minus {@link CLOCK_SKEW_MS}) with its metadata:
 * conversations.replies for a thread, conversations.history for a DM's top level. True when a message
 * carries our event type, reply tag and the chunk's index; false when the whole window was read and none
 * did; undefined when Slack refuses the read (missing_scope, not_in_channel, …), the window passes
 * {@link MAX_LOOKUP_PAGES} pages, or the part has no key (it was posted without metadata). Retryable errors
 * (a rate limit) go up: the core waits and looks again, or a later attempt does.
 * @example await postedParts(call).lookup(reply, { index: 1, text, key }, since) // "1700000000.000100" | false | undefined
 */
export function postedParts(call: SlackCall): PostedParts {
  const refusals = new Set<string>();
  return {
    async lookup(reply, { key, index }, since) {
      if (key === undefined) return undefined;
      const tag = replyTag(key);
      const method = reply.threadTs === undefined ? "conversations.history" : "conversations.replies";
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
        let raw: unknown;
        try {
          raw = await call(method, {
            channel: reply.channel,
            ts: reply.threadTs,
            oldest: slackTsOf(since - CLOCK_SKEW_MS),
            include_all_metadata: true,
            limit: LOOKUP_PAGE_SIZE,
            cursor,
          });
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
        const found = (parsed.output.messages ?? []).find((message) => {
          const metadata = v.safeParse(ReplyMetadataSchema, message.metadata);
          return (
            metadata.success &&
            metadata.output.event_payload.reply === tag &&
            String(metadata.output.event_payload.part) === String(index)
          );
        });
        if (found?.ts !== undefined) return found.ts;
        cursor = parsed.output.response_metadata?.next_cursor || undefined;
        if (!parsed.output.has_more) return false;
        if (!cursor) return undefined;
      }
      log.info("slack.lookup_too_long", { method, channel: reply.channel, pages: MAX_LOOKUP_PAGES });
      return undefined;
    },
  };
}
