import type { SendOptions } from "./adapter.ts";
import { OutOfTimeError } from "./budget.ts";
import { PlatformError } from "./errors.ts";
import { log } from "./log.ts";

/**
 * Whether chunk `index`, sent by an earlier attempt at `since` (epoch ms) with an unknown outcome,
 * is on the platform: true (it is: not sent again), false (it is not), undefined (the platform
 * cannot tell). `recheck` reads the send ledger's record of platform confirmations again (a platform
 * that confirms by webhook may wait a little for it). It may throw a retryable error to look again
 * on a later attempt.
 */
export type ChunkLookup = (
  index: number,
  since: number,
  recheck: () => Promise<boolean>,
) => Promise<boolean | undefined>;

/**
 * Sends the chunks an earlier attempt did not deliver, one after another, telling the send ledger
 * before each (in flight) and after it (delivered). The chunk an earlier attempt left in flight is
 * looked up first where the platform can tell; where it cannot, it is sent again: a part of the
 * answer twice is better than a gap in it.
 */
export async function sendChunks<T>(
  chunks: readonly T[],
  options: SendOptions,
  send: (chunk: T, index: number) => Promise<void>,
  lookup?: ChunkLookup,
): Promise<void> {
  const { skip = 0, uncertain } = options;
  for (const [index, chunk] of chunks.entries()) {
    if (index < skip) continue;
    if (uncertain?.index === index) {
      const found = uncertain.seen || (await lookup?.(index, uncertain.since, uncertain.recheck));
      log.warn("send.uncertain", { key: options.key, chunk: index, found: found ?? "cannot tell" });
      if (found) {
        await options.delivered?.(index + 1);
        continue;
      }
    }
    await options.sending?.(index);
    try {
      await send(chunk, index);
    } catch (error) {
      // The platform answered with an error, or the call never started: nothing is in flight.
      if (sentNothing(error)) await options.delivered?.(index);
      throw error;
    }
    await options.delivered?.(index + 1);
  }
}

/**
 * Whether a failed send certainly left nothing on the platform: it answered 4xx/5xx, or the call was
 * not started. A timeout, a dropped connection or an unreadable 2xx may hide a message that arrived.
 */
function sentNothing(error: unknown): boolean {
  if (error instanceof OutOfTimeError) return true;
  return error instanceof PlatformError && error.status !== undefined && error.status >= 400;
}
