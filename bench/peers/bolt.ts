/**
 * The Slack Bolt peer: what a Bolt user deploys to do our ingress's job on Lambda — verify the
 * signature, parse the event, put it on SQS FIFO, ack — with Bolt's `AwsLambdaReceiver`. Configured
 * from environment variables, the way Bolt apps usually are; `botId` and `botUserId` are given so no
 * auth.test call runs at cold start (Bolt's best case).
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { App, AwsLambdaReceiver, LogLevel } from "@slack/bolt";

const sqs = new SQSClient({});
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? "" });

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  botId: "B0BOTID001",
  botUserId: "U0BOTUSER1",
  tokenVerificationEnabled: false,
  logLevel: LogLevel.ERROR,
});

// Events are acked by Bolt before the listener runs, but the Lambda answer is returned only after
// every listener finished: the enqueue is done before Slack gets its 200, as in our ingress.
app.event("message", async ({ body, event }) => {
  const channel = "channel" in event ? event.channel : "none";
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.QUEUE_URL,
      MessageBody: JSON.stringify(body),
      MessageGroupId: channel,
      MessageDeduplicationId: body.event_id,
    }),
  );
});

/** The Lambda handler (API Gateway HTTP API payload v2.0). */
export const handler = receiver.toHandler();
