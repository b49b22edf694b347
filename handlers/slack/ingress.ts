import { createMiddleware } from "hono/factory";
import { readGroupPolicy } from "../core/access/settings.ts";
import { accept, ingressApp, jsonBody, limitBody, verified } from "../core/ingress.ts";
import { lambdaHandler } from "../core/lambda.ts";
import { lazy, lazyAsync } from "../core/lazy.ts";
import { log } from "../core/log.ts";
import { secretLoader, verifyWithSecret } from "../core/secrets.ts";
import { slackApi } from "./api.ts";
import { botUserIdOf, needsBotUserId, SlackRequestSchema, toEnvelope } from "./inbound.ts";
import { SlackSecretSchema } from "./secret.ts";
import { verifySlackSignature } from "./verify.ts";

/**
 * The Events API request URL: POST /slack/events. Checks Slack's signature and timestamp (401), parses
 * the request (400), answers the url_verification challenge, and queues the events the bot answers;
 * 200 only once SQS has them, 503 when SQS fails so Slack delivers again. Slack's retries
 * (X-Slack-Retry-Num) are queued like first deliveries: the FIFO queue keeps one copy per event_id.
 */

const secret = secretLoader(SlackSecretSchema);

/** GROUP_POLICY: `always` forwards channel chatter too (docs/architecture.md "Access"). */
const groupPolicy = lazy(readGroupPolicy);

/** The bot user id from auth.test, asked once per container, only when an event lacks `authorizations`. */
const botUserFromApi = lazyAsync(
  async () => (await slackApi((await secret()).bot_token)<{ user_id?: string }>("auth.test")).user_id,
);

/** A 400 is one Slack should not repeat: the same body would fail the same way. */
const noRetryOnBadRequest = createMiddleware(async (c, next) => {
  await next();
  if (c.res.status === 400) c.res.headers.set("x-slack-no-retry", "1");
});

export const app = ingressApp();

app.post(
  "/slack/events",
  limitBody(),
  verified(({ header, body }) =>
    verifyWithSecret(secret, (s) =>
      verifySlackSignature(
        s.signing_secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
      ),
    ),
  ),
  noRetryOnBadRequest,
  jsonBody(SlackRequestSchema, "a Slack event"),
  async (c) => {
    const request = c.req.valid("json");
    if (request.type === "url_verification") return c.text(request.challenge);
    if (request.type === "app_rate_limited") {
      log.warn("slack.rate_limited", { minuteRateLimited: request.minute_rate_limited });
      return c.text("ok");
    }
    const retry = c.req.header("x-slack-retry-num");
    const userId = botUserIdOf(request) ?? (needsBotUserId(request) ? await botUserFromApi() : undefined);
    const inbound = toEnvelope(request, { userId }, Date.now(), groupPolicy());
    if ("invalid" in inbound) return c.text(`not a Slack event: bad ${inbound.invalid}`, 400);
    if ("ignored" in inbound) {
      log.info("event.ignored", { eventId: request.event_id, reason: inbound.ignored });
      return c.text("ok");
    }
    if (retry)
      log.info("slack.retry", {
        eventId: request.event_id,
        retryNum: retry,
        reason: c.req.header("x-slack-retry-reason"),
      });
    await accept([inbound.envelope]);
    return c.text("ok");
  },
);

/** The Lambda handler (API Gateway HTTP API payload v2.0, or a Function URL). */
export const handler = lambdaHandler(app, { prefetch: secret });
