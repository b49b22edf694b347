import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { RelayError } from "../errors.ts";
import { lazy } from "../lazy.ts";
import { MAX_MESSAGE_BYTES, sqsJson } from "../queue.ts";
import {
  type OutboundInput,
  OutboundMessageSchema,
  outboundDeduplicationId,
  outboundGroupId,
} from "./message.ts";

/** The message is not one the worker would deliver: fix it, a retry cannot help. */
export class OutboundMessageError extends RelayError {
  override name = "OutboundMessageError";
  constructor(reason: string) {
    super(`not an outbound message: ${reason}`, { retryable: false });
  }
}

/** One client for every call without its own (made on first use). */
const sharedClient = lazy(() => new SQSClient({}));

/**
 * Puts a message the agent starts on a channel's send queue (the module's `send_queue_url`), for the
 * channel's worker to deliver like an answer. Validated first (the worker's own schema), so a bad message
 * fails here instead of in the send queue's DLQ; the group is the conversation and the deduplication id
 * the idempotency key, as docs/outbound.md gives them for other languages. Resolves once SQS has it.
 * The caller needs `sqs:SendMessage` on the queue (the module's `send_policy_json`).
 *
 * @example
 * await sendOutbound(process.env.SEND_QUEUE_URL, {
 *   channel: "telegram", conversation: payload.conversation, text: "Your report is ready.",
 *   idempotencyKey: `report:${reportId}`,
 * });
 * @throws OutboundMessageError when the message is not valid (nothing is sent).
 */
export async function sendOutbound(
  queueUrl: string,
  message: OutboundInput,
  options: { client?: SQSClient } = {},
): Promise<{ messageId: string | undefined }> {
  const parsed = v.safeParse(OutboundMessageSchema, message);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new OutboundMessageError(`${v.getDotPath(issue) || "message"}: ${issue.message}`);
  }
  const body = sqsJson(message);
  if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
    throw new OutboundMessageError(`${Buffer.byteLength(body)} bytes, over the queue's ${MAX_MESSAGE_BYTES}`);
  }
  const client = options.client ?? sharedClient();
  const sent = await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: outboundGroupId(parsed.output),
      MessageDeduplicationId: outboundDeduplicationId(parsed.output),
    }),
  );
  return { messageId: sent.MessageId };
}
