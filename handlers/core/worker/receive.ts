import type { SQSRecord } from "aws-lambda";
import * as v from "valibot";
import { type Envelope, envelopeId, parseEnvelope } from "../envelope.ts";
import { log } from "../log.ts";

/** One message the worker answers, as every later step sees it. */
export interface Received<Reply> {
  readonly envelope: Envelope;
  /** The envelope's id (`channel:eventId`): the logs' `envelopeId` and the send ledger's key. */
  readonly id: string;
  /** The reply context, checked against the channel's schema. */
  readonly reply: Reply;
  /** Which delivery of the SQS message this is (ApproximateReceiveCount), from 1. */
  readonly attempt: number;
}

/**
 * Step 1: reads an SQS record into an envelope of this channel and checks its reply context. Only our
 * ingress (or relay) writes to the queue, so one that does not fit is our bug: it is logged and
 * undefined returned, and the worker keeps the message (retried, then the DLQ), never drops it.
 */
export function receive<Reply>(
  record: SQSRecord,
  channel: { readonly channel: string; readonly replySchema: v.GenericSchema<unknown, Reply> },
): Received<Reply> | undefined {
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const parsed = parseEnvelope(record.body);
  if (!parsed.ok) {
    log.error("envelope.invalid", { messageId: record.messageId, reason: parsed.reason, attempt });
    return undefined;
  }
  const { envelope } = parsed;
  const id = envelopeId(envelope);
  const reply = v.safeParse(channel.replySchema, envelope.reply);
  if (envelope.channel !== channel.channel || !reply.success) {
    log.error("envelope.invalid", {
      envelopeId: id,
      reason: "reply context does not fit this channel",
      attempt,
    });
    return undefined;
  }
  log.info("message.received", { envelopeId: id, attempt, queuedMs: Date.now() - envelope.receivedAt });
  return { envelope, id, reply: reply.output, attempt };
}
