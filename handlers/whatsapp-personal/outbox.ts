import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { FilePart, Outbox } from "../core/adapter.ts";
import { sha256Hex } from "../core/crypto.ts";
import { OUTBOUND_PREFIX } from "../core/media/outgoing.ts";
import type { MediaStore } from "../core/media/store.ts";
import { QueueError, sqsJson } from "../core/queue.ts";
import { sqs } from "../core/sqs-client.ts";
import { markdownToWhatsApp } from "../whatsapp/format.ts";
import { OUTBOUND_VERSION, type Outbound, WHATSAPP_TEXT_LIMIT } from "./outbound.ts";
import type { WhatsAppPersonalReply } from "./reply.ts";

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
                : message.kind === "file"
                  ? // Its URL is signed anew each attempt: the stored object's place and size name it.
                    JSON.stringify([firstIndex + start + index, new URL(message.url).pathname, message.size])
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
 * The relay's outbound queue as an outbox: the answer is rendered in WhatsApp's formatting (the same
 * dialect as the Cloud API's, handlers/whatsapp/format.ts: the app shows both alike), split at 4096
 * characters, and each part queued on `OUTBOUND_QUEUE_URL`, where the relay's WhatsApp session sends it.
 * In groups the first part quotes the user's message. The worker never learns WhatsApp's message ids (the
 * relay sends), so there is nothing to edit: a part left in flight by an earlier attempt is queued again,
 * and SQS drops it when the same part was queued in the last five minutes. Nothing streams: the answer is
 * queued whole once written (README.md says why). Files (with a media bucket, `store`) are stored under
 * `outbound/whatsapp-personal/` and queued by their presigned URL: the relay downloads and sends each one.
 */
export function whatsappPersonalOutbox(queueUrl: string, store?: MediaStore): Outbox<WhatsAppPersonalReply> {
  const file = store && {
    async file(reply: WhatsAppPersonalReply, part: FilePart) {
      const safe = part.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(-100) || "file";
      const key = `${OUTBOUND_PREFIX}whatsapp-personal/${sha256Hex(part.key ?? crypto.randomUUID()).slice(0, 32)}/${part.index}-${safe}`;
      const { url } = await store.put(key, part.bytes, part.mime, part.name);
      const message: Outbound = {
        v: OUTBOUND_VERSION,
        kind: "file",
        chatJid: reply.chatJid,
        url,
        mime: part.mime,
        name: part.name,
        fileKind: part.kind,
        size: part.bytes.byteLength,
        ...(part.caption ? { caption: part.caption.slice(0, 1024) } : {}),
      };
      await sendOutbound(queueUrl, [message], part.index);
      return undefined;
    },
  };
  return {
    ...file,
    render: markdownToWhatsApp,
    limit: WHATSAPP_TEXT_LIMIT,
    async typing(reply) {
      await sendOutbound(queueUrl, [{ v: OUTBOUND_VERSION, kind: "typing", chatJid: reply.chatJid }]);
    },
    async post(reply, part) {
      const message: Outbound = {
        v: OUTBOUND_VERSION,
        kind: "text",
        chatJid: reply.chatJid,
        text: part.text,
        ...(part.index === 0 && reply.group && reply.messageId !== undefined
          ? {
              quotedId: reply.messageId,
              ...(reply.participant === undefined ? {} : { participant: reply.participant }),
              ...(reply.quotedText === undefined ? {} : { quotedText: reply.quotedText }),
            }
          : {}),
      };
      await sendOutbound(queueUrl, [message], part.index);
      return undefined;
    },
  };
}
