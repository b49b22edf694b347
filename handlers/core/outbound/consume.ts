import type { SQSRecord } from "aws-lambda";
import * as v from "valibot";
import { allowedUser } from "../access/gate.ts";
import type { AccessSettings } from "../access/settings.ts";
import type { AccessStore } from "../access/store.ts";
import type { ChannelAdapter, Outbox } from "../adapter.ts";
import type { Piece } from "../agent/files.ts";
import type { Outcome } from "../batch.ts";
import { ConfigError, isRetryable } from "../errors.ts";
import type { SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import type { FileLoader } from "../media/outgoing.ts";
import { moveToDeadLetter } from "../sqs-client.ts";
import { deliverOnce } from "../worker/deliver.ts";
import type { Contacts } from "./contacts.ts";
import { type OutboundMessage, outboundId, parseOutbound } from "./message.ts";

/** What delivering a message the agent starts needs: the channel, its state, the time left. */
export interface OutboundDelivery<Secret, Reply> {
  readonly adapter: ChannelAdapter<Secret, Reply>;
  readonly secret: () => Promise<Secret>;
  readonly outbox: () => Promise<Outbox<Reply>>;
  /** How the message's files are fetched (core/media/outgoing.ts); absent: they are not sent (logged). */
  readonly files?: FileLoader;
  readonly ledger: SendLedger;
  /** The access gate's settings and grants (handlers/core/access): who the agent may write to. */
  readonly access: { readonly settings: AccessSettings; readonly store: AccessStore | undefined };
  readonly contacts: Contacts;
  /** The send queue's DLQ: a message no retry can fix goes there at once (else it waits out its retries). */
  readonly dlqUrl: string | undefined;
  readonly maxReceiveCount: number;
  readonly deadline: number;
}

/**
 * One record of the send queue: a message the agent starts (outbound/message.ts), delivered like an answer
 * (worker/deliver.ts: rendered, split, once per idempotency key thanks to the send ledger) to the
 * conversation it names, if the channel's access rule lets the agent write there (see {@link mayWrite}).
 * A message that can never be delivered as written (not JSON, not valid, another channel's, a conversation
 * id this channel cannot have) goes to the DLQ with the reason, so it never holds up its conversation.
 */
export async function deliverOutbound<Secret, Reply>(
  record: SQSRecord,
  delivery: OutboundDelivery<Secret, Reply>,
): Promise<Outcome> {
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const parsed = parseOutbound(record.body);
  if (!parsed.ok) return deadLetter(record, parsed.reason, delivery);
  const message = parsed.message;
  const id = outboundId(message);
  const { adapter } = delivery;
  if (message.channel !== adapter.channel) {
    return deadLetter(record, `channel: "${message.channel}" sent to the ${adapter.channel} queue`, delivery);
  }
  try {
    const reply = v.safeParse(adapter.replySchema, adapter.replyTo?.(message, await delivery.secret()));
    if (!reply.success) {
      return deadLetter(record, `conversation: not a ${adapter.channel} conversation id`, delivery);
    }
    if (!(await mayWrite(message, delivery))) {
      log.warn("outbound.refused", {
        outboundId: id,
        conversation: message.conversation,
        reason: "no allowed user talked to the agent in this conversation",
      });
      return "done";
    }
    log.info("outbound.received", { outboundId: id, attempt });
    const outbox = await delivery.outbox();
    // The files go after the text, as parts of the same send-ledger entry (worker/deliver.ts).
    const files = message.attachments ?? [];
    await deliverOnce(
      delivery.ledger,
      id,
      async () => (files.length > 0 ? answerWithFiles(message.text, files) : message.text),
      { outbox, reply: reply.output, stream: false, ...(delivery.files ? { files: delivery.files } : {}) },
      delivery.deadline,
    );
    log.info("outbound.done", { outboundId: id });
    return "done";
  } catch (err) {
    const retryable = isRetryable(err) || err instanceof ConfigError;
    const final = !retryable || attempt >= delivery.maxReceiveCount;
    log[final ? "error" : "warn"](retryable ? "outbound.failed" : "outbound.undeliverable", {
      outboundId: id,
      attempt,
      final,
      err,
    });
    return retryable ? "retry" : "done";
  }
}

/** A text and its files as an answer the agent gives (worker/deliver.ts reads it like one). */
async function* answerWithFiles(text: string, files: readonly unknown[]): AsyncGenerator<Piece> {
  yield text;
  yield { files };
}

/**
 * Whether the agent may write in the message's conversation, as the access gate would let it answer there
 * (handlers/core/access): the conversation's id is a user the gate lets through by name (a direct chat,
 * where the two are the same), or someone talked to the agent there and the gate would still let them:
 * under `open` anyone, under `pairing` an enabled group's members, else the user who last talked there
 * still allowed (an admin, in ALLOWED_USERS, or granted and not revoked).
 */
export async function mayWrite(
  message: Pick<OutboundMessage, "channel" | "conversation">,
  delivery: Pick<OutboundDelivery<unknown, unknown>, "access" | "contacts">,
): Promise<boolean> {
  const { settings, store } = delivery.access;
  if (await allowedUser(message.conversation, settings, store)) return true;
  const user = await delivery.contacts.lastUser(`${message.channel}:${message.conversation}`);
  if (user === undefined) return false;
  if (settings.policy === "open") return true;
  if (settings.policy === "pairing") {
    const group = await store?.record({ kind: "group", id: message.conversation });
    if (group?.granted !== undefined) return true;
  }
  return allowedUser(user, settings, store);
}

/** Moves a message no retry can fix to the DLQ, logged with the reason; without a DLQ URL, it is retried there. */
async function deadLetter(
  record: SQSRecord,
  reason: string,
  delivery: Pick<OutboundDelivery<unknown, unknown>, "dlqUrl">,
): Promise<Outcome> {
  log.error("outbound.invalid", { messageId: record.messageId, reason });
  if (delivery.dlqUrl === undefined) return "retry";
  await moveToDeadLetter(delivery.dlqUrl, record, reason);
  return "done";
}
