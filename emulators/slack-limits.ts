/**
 * Slack's rate limits as the fake applies them: per method, per app and workspace, a number of calls per
 * minute (the method's tier); past it, HTTP 429 with Retry-After until the oldest call of the window is a
 * minute old. Real tiers say "N+ per minute" and allow bursts; the fake takes N as the hard limit, which
 * is the stricter reading.
 */

/** The tiers of the methods the relay calls (docs.slack.dev, each method's "Rate limits"). */
export const SLACK_TIERS = {
  /** Tier 2: 20+ per minute. */
  "chat.startStream": 20,
  "chat.stopStream": 20,
  /** Tier 3: 50+ per minute. */
  "chat.update": 50,
  "chat.delete": 50,
  /** Tier 4: 100+ per minute. */
  "chat.appendStream": 100,
} as const satisfies Record<string, number>;

const MINUTE_MS = 60_000;

/** Calls per method in the last minute; `take` answers how many seconds to wait, or 0 when the call may go. */
export class RateWindows {
  readonly #calls = new Map<string, number[]>();
  constructor(readonly limits: Readonly<Record<string, number>>) {}

  /** Counts a call of `method` at `now`; returns 0, or the whole seconds until it would be allowed. */
  take(method: string, now = Date.now()): number {
    const limit = this.limits[method];
    if (limit === undefined) return 0;
    const recent = (this.#calls.get(method) ?? []).filter((at) => at > now - MINUTE_MS);
    this.#calls.set(method, recent);
    if (recent.length >= limit) return Math.max(1, Math.ceil(((recent[0] ?? now) + MINUTE_MS - now) / 1000));
    recent.push(now);
    return 0;
  }

  reset(): void {
    this.#calls.clear();
  }
}
