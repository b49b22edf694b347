/**
 * The grammY peer: what a grammY user deploys to do our ingress's job on Lambda — check the secret
 * token, parse the update, put it on SQS FIFO, answer 200 — with grammY's own Lambda adapter
 * (`webhookCallback(bot, "aws-lambda-async")`). Configured from environment variables, the way grammY
 * bots usually are; `botInfo` is given so no getMe call runs at cold start (grammY's best case).
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Bot, webhookCallback } from "grammy";

const sqs = new SQSClient({});
const token = process.env.BOT_TOKEN ?? "";

const bot = new Bot(token, {
  botInfo: {
    id: Number(token.split(":", 1)[0]),
    is_bot: true,
    first_name: "Relay",
    username: "RelayBot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  },
});

bot.on("message", async (ctx) => {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.QUEUE_URL,
      MessageBody: JSON.stringify(ctx.update),
      MessageGroupId: String(ctx.chat.id),
      MessageDeduplicationId: String(ctx.update.update_id),
    }),
  );
});

/** The Lambda handler (API Gateway HTTP API payload v2.0). */
export const handler = webhookCallback(bot, "aws-lambda-async", {
  secretToken: process.env.WEBHOOK_SECRET,
});
