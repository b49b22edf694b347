import type { Outbox } from "./adapter.ts";
import type { Inflight } from "./inflight.ts";
import { log } from "./log.ts";

/**
 * Shows a typing indicator now and again every `intervalMs` until the returned stop function is
 * called; stopping resolves once the indicator calls still in flight are over. Indicator failures are
 * logged at debug level and never fail the message.
 */
export function keepTyping(show: () => Promise<void>, intervalMs: number): () => Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const tick = () => {
    const shown = show().catch((err: unknown) => log.debug("typing.failed", { err }));
    inFlight.add(shown);
    shown.then(() => inFlight.delete(shown));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return async () => {
    clearInterval(timer);
    await Promise.all([...inFlight]);
  };
}

/**
 * The typing indicator of one reply: shown now and every `intervalMs` (`box.typing`) until the returned
 * function stops it; then, once the last indicator call is over (so none lands after it), it is cleared
 * where the platform does not clear it by itself (`box.typingDone`). That tail runs beside the answer
 * and is tracked in `pending`, which the worker waits for before its invocation ends: Lambda never
 * freezes one of these calls half-done.
 */
export function startTyping<Reply>(
  box: Outbox<Reply>,
  reply: Reply,
  intervalMs: number,
  pending: Inflight,
): () => void {
  const stop = keepTyping(() => box.typing(reply), intervalMs);
  return () => {
    pending.track(
      stop()
        .then(() => box.typingDone?.(reply))
        .catch((err: unknown) => log.debug("typing.failed", { err })),
    );
  };
}
