import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { log } from "../../handlers/core/log.ts";
import { type Outbound, parseOutbound } from "../../handlers/whatsapp-personal/outbound.ts";

/** A typing indicator older than this is dropped: the answer is probably there already. */
export const TYPING_MAX_AGE_MS = 20_000;

export interface OutboundPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Sends one message through the WhatsApp session; rejects when it could not. */
  readonly send: (message: Outbound) => Promise<void>;
  /** True while the session is open; the poller receives nothing otherwise, so messages wait in SQS. */
  readonly ready: () => boolean;
  /** Resolves when the session may be ready (a state change), to poll again. */
  readonly readyChange: () => Promise<void>;
  /** Long-poll wait, in seconds (SQS: 0–20); shutdown waits for the poll in progress. @default 10 */
  readonly waitSeconds?: number;
  /** Seconds until a failed message is tried again, by receive count. @default retryDelaySeconds */
  readonly retryDelay?: (receiveCount: number) => number;
}

/** Seconds before a failed message is tried again: 5, 10, 20 … at most 300. */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * Long-polls the outbound FIFO queue and sends each message through the session: deleted once
 * WhatsApp took it; on failure made visible again after a back-off (and after the queue's
 * maxReceiveCount it moves to the outbound DLQ). Messages of one chat are sent in order: after a
 * failure, the rest of that chat's batch goes back too. Stops when `signal` aborts, after the poll in
 * progress (whose messages are still sent); the returned promise settles then.
 */
export async function pollOutbound(options: OutboundPollerOptions, signal: AbortSignal): Promise<void> {
  const { sqs, queueUrl } = options;
  let errorDelay = 1_000;
  while (!signal.aborted) {
    if (!options.ready()) {
      await Promise.race([options.readyChange(), aborted(signal)]);
      continue;
    }
    let messages: Message[];
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: options.waitSeconds ?? 10,
          MessageSystemAttributeNames: ["MessageGroupId", "ApproximateReceiveCount", "SentTimestamp"],
        }),
        // Not aborted on shutdown: SQS could hand messages to a poll nobody reads any more, and they
        // would stay invisible for the visibility timeout. The poll ends by itself within waitSeconds.
      );
      messages = out.Messages ?? [];
      errorDelay = 1_000;
    } catch (err) {
      if (signal.aborted) return;
      log.warn("outbound.receive_failed", { err, retryInMs: errorDelay });
      await Promise.race([sleep(errorDelay), aborted(signal)]);
      errorDelay = Math.min(30_000, errorDelay * 2);
      continue;
    }
    if (messages.length > 0) await sendBatch(options, messages);
    // Short polls (tests) pause between empty answers instead of spinning.
    else if (options.waitSeconds === 0) await Promise.race([sleep(50), aborted(signal)]);
  }
}

async function sendBatch(options: OutboundPollerOptions, messages: Message[]): Promise<void> {
  const groups = new Map<string, Message[]>();
  for (const message of messages) {
    const group = message.Attributes?.MessageGroupId ?? message.MessageId ?? "";
    groups.set(group, [...(groups.get(group) ?? []), message]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [index, message] of group.entries()) {
        if (await sendOne(options, message)) continue;
        for (const later of group.slice(index + 1)) await release(options, later);
        return;
      }
    }),
  );
}

/** Sends one message; true when it is done with (sent, or a stale typing indicator dropped). */
async function sendOne(options: OutboundPollerOptions, message: Message): Promise<boolean> {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount) || 1;
  const parsed = parseOutbound(message.Body ?? "");
  if (!parsed.ok) {
    // Only our worker writes here: keep it for the DLQ, never drop it.
    log.error("outbound.invalid", { messageId: message.MessageId, reason: parsed.reason, receiveCount });
    await release(options, message);
    return false;
  }
  const outbound = parsed.message;
  const age = Date.now() - Number(message.Attributes?.SentTimestamp ?? Date.now());
  if (outbound.kind === "typing" && age > TYPING_MAX_AGE_MS) {
    await remove(options, message);
    return true;
  }
  try {
    await options.send(outbound);
  } catch (err) {
    log.warn("outbound.send_failed", {
      messageId: message.MessageId,
      kind: outbound.kind,
      receiveCount,
      err,
    });
    await release(options, message);
    return false;
  }
  if (outbound.kind === "text")
    log.info("outbound.sent", { messageId: message.MessageId, chars: outbound.text.length });
  await remove(options, message);
  return true;
}

async function remove(options: OutboundPollerOptions, message: Message): Promise<void> {
  await options.sqs
    .send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }))
    // Not deleted: it comes back after the visibility timeout and is sent twice. Logged; rare.
    .catch((err: unknown) => log.error("outbound.delete_failed", { messageId: message.MessageId, err }));
}

async function release(options: OutboundPollerOptions, message: Message): Promise<void> {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount) || 1;
  await options.sqs
    .send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: options.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: (options.retryDelay ?? retryDelaySeconds)(receiveCount),
      }),
    )
    // Best effort: otherwise it comes back after the queue's visibility timeout.
    .catch((err: unknown) => log.warn("outbound.visibility_failed", { messageId: message.MessageId, err }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
