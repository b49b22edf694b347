/**
 * The floor: a Lambda handler that only puts the request body on SQS FIFO and answers 200 — no
 * signature check, no parsing, no framework. Every ingress here (ours and the peers) carries this
 * same SDK client, so this is the part of their cold start and per-request time none of them can
 * shed; what each adds above it is its own.
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const sqs = new SQSClient({});
let sequence = 0;

/** The Lambda handler (API Gateway HTTP API payload v2.0). */
export async function handler(event: { body?: string }): Promise<{ statusCode: number }> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.QUEUE_URL,
      MessageBody: event.body ?? "",
      MessageGroupId: "floor",
      MessageDeduplicationId: `${Date.now()}-${++sequence}`,
    }),
  );
  return { statusCode: 200 };
}
