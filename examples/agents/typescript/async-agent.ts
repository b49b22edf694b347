/**
 * A long turn with agentcore-relay: the agent acknowledges at once (`{ "text": "On it…", "async": true }`,
 * which the relay delivers like any answer and is done with), keeps working in the background as an
 * AgentCore async task (its /ping says HealthyBusy, so the session is kept while it works), and delivers
 * the result later through the channel's send queue (docs/outbound.md). The runtime's role needs the
 * module's `send_policy_json`; SEND_QUEUE_URL is the module's `send_queue_url`.
 *
 *   SEND_QUEUE_URL=https://sqs.…/bot-send.fifo npx tsx async-agent.ts
 */
import { createHash } from "node:crypto";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { Payload } from "./payload.ts";

const sqs = new SQSClient({});
const queueUrl = process.env.SEND_QUEUE_URL ?? "";
/** How long the "work" takes, in ms (a real agent: a report, a long tool run, hours if need be). */
const workMs = Number(process.env.WORK_MS ?? 5_000);

/** SQS FIFO ids as docs/outbound.md gives them: the value, or its SHA-256 hex when it does not fit. */
const fifoId = (raw: string) =>
  raw.length <= 128 && /^[\x21-\x7e]+$/.test(raw) ? raw : createHash("sha256").update(raw).digest("hex");

/** Puts a message the agent starts on the send queue; the relay delivers it once per idempotencyKey. */
async function sendLater(to: Payload, text: string, idempotencyKey: string): Promise<void> {
  const message = {
    channel: to.channel,
    conversation: to.conversation,
    thread: to.thread,
    text,
    idempotencyKey,
  };
  const conversation = [to.channel, to.conversation, to.thread].filter(Boolean).join(":");
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      MessageGroupId: fifoId(conversation),
      MessageDeduplicationId: fifoId(`${to.channel}:${idempotencyKey}`),
    }),
  );
}

export const app = new BedrockAgentCoreApp({
  invocationHandler: {
    requestSchema: Payload,
    process: async (payload, context) => {
      const task = app.addAsyncTask("long turn", { session: context.sessionId });
      // Not awaited: the invocation answers now, the work goes on in this container.
      void (async () => {
        try {
          await new Promise((resolve) => setTimeout(resolve, workMs));
          // The message id makes the key: a redelivered turn's result is delivered once.
          await sendLater(payload, `Done: **${payload.prompt}**`, `${payload.messageId}:result`);
        } catch (error) {
          context.log.error({ error }, "the result could not be sent");
        } finally {
          app.completeAsyncTask(task);
        }
      })();
      return { text: "On it…", async: true };
    },
  },
});

app.run({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? "0.0.0.0" });
