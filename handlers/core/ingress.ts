import type { Env, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { sendMessage, sendMessageBatch } from "./aws/sqs.ts";
import { requiredEnv } from "./config.ts";
import { type Envelope, envelopeId } from "./envelope.ts";
import { ConfigError, RelayError } from "./errors.ts";
import { lazy } from "./lazy.ts";
import { log } from "./log.ts";
import { enqueueWith, MessageTooLargeError, type QueueSender } from "./queue.ts";

/**
 * What every channel's ingress app shares, used the same way by each:
 *
 * ```ts
 * app.post("/telegram", limitBody(), verified(checkToken), jsonBody(UpdateSchema, "a Telegram update"), (c) => …)
 * ```
 *
 * the body size limit (413), the platform's proof (401), the body as JSON validated by a schema (400),
 * enqueueing, and the error mapping: their fault → 4xx, ours → 5xx so the platform retries.
 */

/** Platforms send small JSON; anything over 1 MiB is not a webhook of theirs. */
export const MAX_BODY_BYTES = 1024 * 1024;

const queueUrl = lazy(() => requiredEnv("QUEUE_URL", "set it to the URL of the channel's FIFO queue"));

/** SQS as the ingress calls it: signed requests from the lean client, not the SDK (a cold start pays less). */
const sqs: QueueSender = { sendMessage, sendMessageBatch };

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

/** Middleware: 413 for bodies over MAX_BODY_BYTES, before anything reads them. */
export const limitBody = () =>
  bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text("payload too large", 413) });

/** A request as a signature check sees it: its headers, and its body's bytes as they were sent. */
export interface SignedRequest {
  header(name: string): string | undefined;
  readonly body: Uint8Array;
}

/**
 * Checks that a request comes from the platform: resolves to undefined when it does, else to a short
 * reason (`bad signature`, `stale timestamp`) that is safe to answer with.
 */
export type RequestCheck = (request: SignedRequest) => Promise<string | undefined>;

/**
 * Middleware: lets a request through only when `check` finds it genuine; otherwise answers 401 with the
 * short reason and logs it once (warn: a wrong secret after a rotation shows there).
 * @example app.post("/slack/events", limitBody(), verified(slackSignature), …)
 */
export function verified(check: RequestCheck): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const problem = await check({ header: (name) => c.req.header(name), body });
    if (problem !== undefined) {
      log.warn("request.unauthorized", { reason: problem });
      return c.text(`unauthorized: ${problem}`, 401);
    }
    await next();
  });
}

/** The reason a valibot result gives for a 400: the path of the first bad value, never the value. */
export function badPath(issues: readonly v.BaseIssue<unknown>[]): string | undefined {
  const [first] = issues;
  return (first && v.getDotPath(first)) || undefined;
}

/**
 * Middleware: the body, as UTF-8 JSON validated by `schema`, for the handler as `c.req.valid("json")`;
 * otherwise a 400 with a short reason (`not a Telegram update: bad message.chat.id`). Like Hono's
 * `validator("json", …)`, but it reads the body whatever the content type says (platforms sign the
 * bytes, not the header) and never echoes a value.
 */
export function jsonBody<T>(
  schema: v.GenericSchema<unknown, T>,
  what: string,
): MiddlewareHandler<Env, string, { out: { json: T } }> {
  return createMiddleware<Env, string, { out: { json: T } }>(async (c, next) => {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await c.req.arrayBuffer());
    } catch {
      return c.text("body is not UTF-8", 400);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return c.text("body is not JSON", 400);
    }
    const result = v.safeParse(schema, json);
    if (!result.success) {
      const path = badPath(result.issues);
      return c.text(`not ${what}${path ? `: bad ${path}` : ""}`, 400);
    }
    c.req.addValidatedData("json", result.output as object);
    await next();
  });
}

/** Enqueues the envelopes (throws QueueError → 503 when SQS does not take them) and logs each. */
export async function accept(envelopes: readonly Envelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await enqueueWith(sqs, queueUrl(), envelopes);
  for (const envelope of envelopes) log.info("message.queued", { envelopeId: envelopeId(envelope) });
}
