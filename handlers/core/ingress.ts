import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { lazy, requiredEnv } from "./config.ts";
import { type Envelope, envelopeId } from "./envelope.ts";
import { ConfigError, RelayError } from "./errors.ts";
import { log } from "./log.ts";
import { enqueue, MessageTooLargeError } from "./queue.ts";

/**
 * What every channel's ingress app shares: error mapping (their fault → 4xx, ours → 5xx so the
 * platform retries), the body size limit, JSON + schema parsing, and enqueueing.
 */

/** Platforms send small JSON; anything over 1 MiB is not a webhook of theirs. */
export const MAX_BODY_BYTES = 1024 * 1024;

const queueUrl = lazy(() => requiredEnv("QUEUE_URL", "set it to the URL of the channel's FIFO queue"));

/** A Hono app with the relay's error mapping and a plain 404. */
export function ingressApp(): Hono {
  const app = new Hono();
  app.notFound((c) => c.text("not found", 404));
  app.onError((err, c) => {
    if (err instanceof ConfigError) {
      log.error("ingress.misconfigured", { err });
      return c.text("misconfigured", 500);
    }
    // No retry can make it fit the queue: a 4xx, so the platform does not repeat it forever.
    if (err instanceof MessageTooLargeError) {
      log.error("message.too_large", { err });
      return c.text("message too large to queue", 413);
    }
    const retryable = err instanceof RelayError && err.retryable;
    log.error("ingress.failed", { err, retryable });
    return retryable ? c.text("unavailable, retry later", 503) : c.text("internal error", 500);
  });
  return app;
}

/** Answers 413 to bodies over MAX_BODY_BYTES, before anything reads them. */
export const limitBody = () =>
  bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text("payload too large", 413) });

/**
 * Parses the raw body as JSON and validates it. Returns the value, or a 400 Response with a short
 * reason (the value's path and issue, never the value itself).
 */
export function parseJsonBody<T>(
  c: Context,
  raw: string,
  schema: v.GenericSchema<unknown, T>,
  what: string,
): { value: T } | { response: Response } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { response: c.text("body is not JSON", 400) };
  }
  const result = v.safeParse(schema, json);
  if (result.success) return { value: result.output };
  const path = result.issues[0].path?.map((p) => String(p.key)).join(".");
  return { response: c.text(`not ${what}${path ? `: bad ${path}` : ""}`, 400) };
}

/** Enqueues the envelopes (throws QueueError → 503 when SQS does not take them) and logs each. */
export async function accept(envelopes: readonly Envelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await enqueue(queueUrl(), envelopes);
  for (const envelope of envelopes) log.info("message.queued", { envelopeId: envelopeId(envelope) });
}
