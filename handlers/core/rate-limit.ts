import { PlatformError } from "./errors.ts";
import { log } from "./log.ts";

/**
 * Calls a platform API, and when the platform answers 429 with a retry-after that still fits before
 * `deadline`, waits that long and calls again (at most `maxWaits` times). Otherwise the error goes up,
 * retryable, and SQS brings the message back later (sqs-client.ts redeliverAfter).
 */
export async function retryWhenRateLimited<T>(
  call: () => Promise<T>,
  deadline: number,
  maxWaits = 3,
): Promise<T> {
  for (let waits = 0; ; waits++) {
    try {
      return await call();
    } catch (error) {
      const seconds = error instanceof PlatformError ? error.retryAfterSeconds : undefined;
      if (seconds === undefined || waits >= maxWaits || Date.now() + seconds * 1000 >= deadline) throw error;
      const { platform, method } = error as PlatformError;
      log.info("platform.rate_limited", { platform, method, retryAfterSeconds: seconds });
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}
