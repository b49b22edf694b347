import { log } from "../log.ts";

/**
 * How a part an interrupted attempt may have sent is confirmed on a platform that reports delivery by
 * webhook (Outbox.confirms: WhatsApp, whose `sent`/`delivered`/`read` statuses echo the part's callback
 * data): the ingress records the status in the send ledger (`seen`), and the worker reads that record.
 * Meta documents no bound on when a status arrives; the `sent` status normally follows the send within
 * seconds, and one our ingress failed to take comes again only after Meta's retry back-off. So the
 * worker waits a while after the send for it, then gives up: sent again, a part of the answer twice is
 * better than a gap in it.
 */
export interface StatusWait {
  /** How long after the send a status is waited for. @default 30_000 */
  readonly windowMs?: number;
  /** How often the ledger is read meanwhile. @default 1_000 */
  readonly pollMs?: number;
  /**
   * Time kept before the deadline to send the part again after all (one platform call's timeout), or
   * half the time left when that is less (a worker with a short timeout still waits a little).
   * @default 10_000
   */
  readonly reserveMs?: number;
  /** The clock the wait reads and sleeps on (tests pass a virtual one). @default the real one */
  readonly clock?: Clock;
}

/** Time as the wait sees it. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** See {@link StatusWait.windowMs}. */
export const STATUS_WINDOW_MS = 30_000;
const POLL_MS = 1_000;
const RESERVE_MS = 10_000;

/**
 * Whether the part sent at `since` (epoch ms) is confirmed: true as soon as `recheck()` says so,
 * undefined (cannot tell) once the window after `since` is over or the deadline is near (see
 * {@link StatusWait.reserveMs}). The caller has just read the ledger, so the first read is one poll
 * interval later. A failing read throws (the message is retried, and looks again).
 * @example await awaitStatus(() => record.seen().then((s) => s.includes(1)), since, deadline) // true | undefined
 */
export async function awaitStatus(
  recheck: () => Promise<boolean>,
  since: number,
  deadline: number,
  options: StatusWait = {},
): Promise<true | undefined> {
  const {
    windowMs = STATUS_WINDOW_MS,
    pollMs = POLL_MS,
    reserveMs = RESERVE_MS,
    clock = realClock,
  } = options;
  const started = clock.now();
  const until = Math.min(since + windowMs, deadline - Math.min(reserveMs, (deadline - started) / 2));
  for (let left = until - started; left > 0; left = until - clock.now()) {
    await clock.sleep(Math.min(pollMs, left));
    if (await recheck()) {
      log.info("send.status_seen", { waitedMs: clock.now() - started });
      return true;
    }
  }
  return undefined;
}
