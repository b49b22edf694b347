import { readGroupPolicy } from "../core/access/settings.ts";
import { accept, ingressApp, jsonBody, limitBody, verified } from "../core/ingress.ts";
import { lambdaHandler } from "../core/lambda.ts";
import { lazy, lazyAsync } from "../core/lazy.ts";
import { log } from "../core/log.ts";
import { secretLoader, verifyWithSecret } from "../core/secrets.ts";
import { botIdFromToken, telegramApi } from "./api.ts";
import { needsUsername, toEnvelope, UpdateSchema } from "./inbound.ts";
import { TelegramSecretSchema } from "./secret.ts";
import { SECRET_TOKEN_HEADER, secretTokenProblem } from "./verify.ts";

/**
 * The Telegram webhook: POST /telegram. Checks the secret token Telegram echoes from setWebhook
 * (401), parses the update (400), and queues it; 200 only once SQS has it, 503 when SQS fails so
 * Telegram delivers it again. Updates we do not act on get 200 so they are not retried. A button press
 * (callback_query) is answered in the 200's body (`answerCallbackQuery`, the Bot API's way of taking a
 * call in the webhook's response).
 */

const secret = secretLoader(TelegramSecretSchema);

/** GROUP_POLICY: `always` forwards group messages not addressed to the bot too (docs/architecture.md "Access"). */
const groupPolicy = lazy(readGroupPolicy);

/** The bot's @username, asked once per container and only for group messages that name a bot. */
const botUsername = lazyAsync(
  async () => (await telegramApi((await secret()).bot_token)<{ username?: string }>("getMe")).username,
);

export const app = ingressApp();

app.post(
  "/telegram",
  limitBody(),
  verified(({ header }) =>
    verifyWithSecret(secret, (s) => secretTokenProblem(header(SECRET_TOKEN_HEADER), s.webhook_secret)),
  ),
  jsonBody(UpdateSchema, "a Telegram update"),
  async (c) => {
    const update = c.req.valid("json");
    const { bot_token } = await secret();
    const bot = {
      id: botIdFromToken(bot_token),
      username: needsUsername(update) ? await botUsername() : undefined,
    };
    const inbound = toEnvelope(update, bot, Date.now(), groupPolicy());
    // A button press is answered in the webhook's response, which stops its spinner with no API call.
    const answer = update.callback_query
      ? () => c.json({ method: "answerCallbackQuery", callback_query_id: update.callback_query?.id })
      : () => c.text("ok");
    if ("ignored" in inbound) {
      log.info("update.ignored", { updateId: update.update_id, reason: inbound.ignored });
      return answer();
    }
    await accept([inbound.envelope]);
    return answer();
  },
);

/** The Lambda handler (API Gateway HTTP API payload v2.0, or a Function URL). */
export const handler = lambdaHandler(app, { prefetch: secret });
