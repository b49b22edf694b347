import type { Received } from "./receive.ts";

/**
 * Bursts: "hi" / "can you" / "check my calendar" sent in quick succession are one question, so a
 * conversation's messages that arrive within `windowMs` of its first pending one are merged into one
 * agent call with one answer (docs/architecture.md "Bursts").
 *
 * SQS FIFO shows a consumer none of a conversation's later messages while one of it is in flight, so the
 * worker cannot wait for them: when the first pending message is younger than the window, the whole group
 * goes back to the queue until the window has passed ({@link holdSeconds}), and the next receive brings it
 * with whatever came since, in order; those within the window are then answered together
 * ({@link burstSize}). A message is held at most once (only on its first receive), which takes one of the
 * queue's maxReceiveCount receives: with bursts on, a message has one attempt fewer than that.
 */

/** Whether a reply context can be answered together with others (a Discord slash command cannot). */
export type Mergeable = (reply: unknown) => boolean;

/**
 * Seconds to hold a group back, its first pending message being `head` (received now); undefined: answer
 * now. Held: a message on its first receive, younger than the window, that could merge with later ones
 * (no command, a mergeable reply). SQS counts visibility in whole seconds, rounded up here, so the window
 * has passed when it comes back.
 */
export function holdSeconds(
  head: Received<unknown>,
  windowMs: number,
  mergeable: Mergeable,
  now = Date.now(),
): number | undefined {
  if (windowMs <= 0 || head.attempt > 1 || !joins(head, mergeable)) return undefined;
  const left = head.envelope.receivedAt + windowMs - now;
  return left > 0 ? Math.ceil(left / 1000) : undefined;
}

/**
 * How many of a group's pending messages (the first one's window over) are answered together: the first,
 * and those after it from the same sender, within the window of the first, neither a command nor a reply
 * that cannot merge. Stops at the first that is not.
 */
export function burstSize(
  pending: readonly (Received<unknown> | undefined)[],
  windowMs: number,
  mergeable: Mergeable,
): number {
  const [head] = pending;
  if (!head || windowMs <= 0 || !joins(head, mergeable)) return 1;
  let size = 1;
  for (const next of pending.slice(1)) {
    if (
      !next ||
      !joins(next, mergeable) ||
      next.envelope.user.id !== head.envelope.user.id ||
      next.envelope.receivedAt >= head.envelope.receivedAt + windowMs
    )
      break;
    size += 1;
  }
  return size;
}

function joins(message: Received<unknown>, mergeable: Mergeable): boolean {
  return message.envelope.command === undefined && mergeable(message.reply);
}
