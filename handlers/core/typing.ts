import { log } from "./log.ts";

/**
 * Shows a typing indicator now and again every `intervalMs` until the returned stop function is
 * called. Indicator failures are logged at debug level and never fail the message.
 */
export function keepTyping(show: () => Promise<void>, intervalMs: number): () => void {
  const tick = () => {
    show().catch((err: unknown) => log.debug("typing.failed", { err }));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}
