import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Outbox } from "../core/adapter.ts";
import { sha256Hex } from "../core/crypto.ts";
import { lazy } from "../core/lazy.ts";
import { QueueError, sqsJson } from "../core/queue.ts";
import { renderChunks } from "../core/text/split.ts";
import { markdownToWhatsApp } from "./format.ts";
import { OUTBOUND_VERSION, type Outbound, WHATSAPP_TEXT_LIMIT } from "./outbound.ts";
import type { WhatsAppPersonalReply } from "./reply.ts";

const sqs = lazy(() => new SQSClient({}));

/**
 * Puts outbound messages on the relay's FIFO queue, in order per chat. Text chunks are deduplicated on
 * their chat, place in the answer (`firstIndex` + position) and content, so a retried batch that
 * renders the same answer is not sent twice within SQS's five minutes; typing indicators never are.
 * @throws QueueError (retryable) when SQS does not take them.
 */
export async function sendOutbound(
  queueUrl: string,
  messages: readonly Outbound[],
  firstIndex = 0,
): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    try {
      const result = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: sqsJson(message), // characters SQS refuses go as JSON escapes
            MessageGroupId: sha256Hex(message.chatJid),
            MessageDeduplicationId: sha256Hex(
              message.kind === "text"
                ? JSON.stringify([firstIndex + start + index, message])
                : crypto.randomUUID(),
            ),
          })),
        }),
      );
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${batch.length}`);
    } catch (error) {
      throw new QueueError(error);
    }
  }
}

/**
 * Answers through the relay: the reply is rendered into WhatsApp markup, split at 4096 characters
 * and queued on `OUTBOUND_QUEUE_URL`, where the relay's WhatsApp session sends it. In groups the
 * first chunk quotes the user's message.
 */
export function whatsappPersonalOutbox(queueUrl: string): Outbox<WhatsAppPersonalReply> {
  return {
    async typing(reply) {
      await sendOutbound(queueUrl, [{ v: OUTBOUND_VERSION, kind: "typing", chatJid: reply.chatJid }]);
    },
    async send(reply, markdown, { skip = 0, delivered }) {
      const chunks = renderChunks(markdown, markdownToWhatsApp, WHATSAPP_TEXT_LIMIT);
      const messages: Outbound[] = chunks.map((text, index) => ({
        v: OUTBOUND_VERSION,
        kind: "text",
        chatJid: reply.chatJid,
        text,
        ...(index === 0 && reply.group
          ? {
              quotedId: reply.messageId,
              ...(reply.participant === undefined ? {} : { participant: reply.participant }),
              ...(reply.quotedText === undefined ? {} : { quotedText: reply.quotedText }),
            }
          : {}),
      }));
      // Chunks an earlier attempt already queued (the send ledger) are not queued again.
      await sendOutbound(queueUrl, messages.slice(skip), skip);
      await delivered?.(chunks.length);
    },
  };
}
