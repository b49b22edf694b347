import { log } from "../core/log.ts";
import { isSlackError, type SlackCall } from "./api.ts";

/**
 * "Is the bot part of this thread?" for thread replies that do not mention it. Slack does not say, so
 * the worker reads the thread (conversations.replies, channels:history / groups:history) and looks for
 * a message of the bot user. Threads known to hold one are remembered for the life of the container,
 * so an ongoing conversation costs one read; a "no" is never remembered (a later mention changes it).
 */

/** Messages per conversations.replies page (Slack's maximum is 1,000; 200 is its recommendation). */
export const REPLIES_PAGE_SIZE = 200;

/** Pages read at most: threads past 1,000 messages are checked in their first 1,000 only. */
export const MAX_REPLIES_PAGES = 5;

/** conversations.replies errors that mean the bot cannot see the thread, so it is not in it. */
const NOT_VISIBLE = ["thread_not_found", "channel_not_found", "not_in_channel"];

/** Threads the bot is known to be part of, by `channel:thread_ts`, bounded. */
export interface ThreadMemory {
  has(channel: string, threadTs: string): boolean;
  remember(channel: string, threadTs: string): void;
}

/** A bounded set of threads (oldest forgotten first past `capacity`). */
export function threadMemory(capacity = 10_000): ThreadMemory {
  const known = new Set<string>();
  return {
    has: (channel, threadTs) => known.has(`${channel}:${threadTs}`),
    remember(channel, threadTs) {
      const key = `${channel}:${threadTs}`;
      known.delete(key);
      known.add(key);
      if (known.size > capacity) known.delete(known.values().next().value as string);
    },
  };
}

interface RepliesPage {
  messages?: { user?: string }[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** True when `botUserId` posted in the thread; Slack's other errors (rate limits, missing_scope) go up. */
export async function botInThread(
  call: SlackCall,
  memory: ThreadMemory,
  channel: string,
  threadTs: string,
  botUserId: string,
): Promise<boolean> {
  if (memory.has(channel, threadTs)) return true;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_REPLIES_PAGES; page++) {
    let result: RepliesPage;
    try {
      result = await call<RepliesPage>("conversations.replies", {
        channel,
        ts: threadTs,
        limit: REPLIES_PAGE_SIZE,
        cursor,
      });
    } catch (error) {
      // A thread or channel the bot cannot see is one it is not part of.
      if (isSlackError(error, ...NOT_VISIBLE)) return false;
      throw error;
    }
    if (result.messages?.some((m) => m.user === botUserId)) {
      memory.remember(channel, threadTs);
      return true;
    }
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!result.has_more || !cursor) return false;
  }
  log.info("slack.thread_too_long", { channel, threadTs, pages: MAX_REPLIES_PAGES });
  return false;
}
