/**
 * Discord's per-route rate limits, as the fake enforces them: every route has a bucket per top-level
 * resource (a channel, or a webhook's id and token), each response says what is left in
 * `X-RateLimit-Limit / Remaining / Reset / Reset-After / Bucket`, and a request on an empty bucket is a
 * 429 with `retry_after` (seconds, a float), the Retry-After header and `X-RateLimit-Scope: user`.
 * Discord documents the headers, not the numbers ("should not be hard coded"); the defaults are the ones
 * bots observe for messages: 5 per 5 seconds per channel.
 */

/** A bucket's size and the window it refills in. */
export interface DiscordLimits {
  readonly perWindow: number;
  readonly windowMs: number;
}

/** The emulator's default limits: 5 requests per 5 s per route and resource. */
export const DISCORD_LIMITS: DiscordLimits = { perWindow: 5, windowMs: 5_000 };

/** What the limiter says about one request: its headers, and whether it is refused (429). */
export interface Spent {
  readonly headers: Record<string, string>;
  /** Seconds until the bucket refills, when the request is refused. */
  readonly retryAfter?: number;
}

/** Setup calls (commands, the endpoint URL) are not limited here: they run once per deploy. */
const UNLIMITED = /^(GET|PUT|PATCH) \/applications\//;

/**
 * The buckets of one fake. `spend(route, major)` takes one request from the bucket of `route` (its
 * template) and `major` (the top-level resource), or refuses it when the bucket is empty.
 */
export function discordLimiter(limits: DiscordLimits | false) {
  const buckets = new Map<string, { remaining: number; resetAt: number }>();
  return {
    spend(route: string, major: string): Spent {
      if (!limits || UNLIMITED.test(route)) return { headers: {} };
      const now = Date.now();
      const key = `${route} ${major}`;
      let bucket = buckets.get(key);
      if (!bucket || bucket.resetAt <= now) {
        bucket = { remaining: limits.perWindow, resetAt: now + limits.windowMs };
        buckets.set(key, bucket);
      }
      const resetAfter = (bucket.resetAt - now) / 1000;
      const refused = bucket.remaining === 0;
      if (!refused) bucket.remaining -= 1;
      const headers = {
        "x-ratelimit-limit": String(limits.perWindow),
        "x-ratelimit-remaining": String(bucket.remaining),
        "x-ratelimit-reset": (bucket.resetAt / 1000).toFixed(3),
        "x-ratelimit-reset-after": resetAfter.toFixed(3),
        "x-ratelimit-bucket": bucketHash(route),
      };
      if (!refused) return { headers };
      return {
        headers: {
          ...headers,
          "retry-after": String(Math.ceil(resetAfter)),
          "x-ratelimit-scope": "user",
        },
        retryAfter: Number(resetAfter.toFixed(3)),
      };
    },
    reset: () => buckets.clear(),
  };
}

/** An opaque bucket id per route template, as Discord sends one (never the route itself). */
function bucketHash(route: string): string {
  let hash = 0;
  for (const char of route) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(16).padStart(8, "0");
}
