import * as v from "valibot";
import { conversationKey, type Envelope, envelopeId } from "../handlers/core/envelope.ts";
import type { Inbound } from "../handlers/core/inbound.ts";
import { type LogFields, log } from "../handlers/core/log.ts";
import type { RelayContext } from "./context.ts";
import { enqueueDurably } from "./enqueue.ts";

/** Where one connection's messages go, and how they are read. */
export interface Intake<Message> {
  /** The connection, the prefix of its log events (`discord.message_invalid`). */
  readonly connection: string;
  /** What a message must look like; anything else is logged and dropped. */
  readonly schema: v.GenericSchema<unknown, Message>;
  /** The channel's FIFO queue, which its worker answers. */
  readonly queueUrl: string;
  readonly context: RelayContext;
  /** Fields that identify an ignored message in the debug line (never its text). */
  readonly describe?: (message: Message) => LogFields;
  /**
   * A step between reading a message and queueing it (WhatsApp personal's files: relay/whatsapp/media.ts),
   * given the envelope and the message as the connection gave it. A conversation's messages still reach the
   * queue in the order they came: each waits for the one before it. If it fails, the envelope is queued as
   * read (its text is never lost).
   */
  readonly prepare?: (envelope: Envelope, raw: unknown) => Promise<Envelope>;
}

/**
 * Takes the messages of one connection (the Discord gateway, the WhatsApp session) onto its channel's
 * queue, as an ingress does for a webhook: each is checked against the schema (an invalid one is logged
 * by where it is wrong and dropped; no platform resends a gateway event), read into an envelope by `read`
 * (or left alone, logged at debug) and enqueued durably, as in-flight work the relay finishes before it
 * stops. Once the relay is stopping, nothing more is taken.
 * @example const accept = intake({ connection: "discord", schema, queueUrl, context });
 *          accept(data, (message) => toEnvelope(message, botId));
 */
export function intake<Message>(
  options: Intake<Message>,
): (raw: unknown, read: (message: Message) => Inbound) => void {
  const { connection, schema, queueUrl, context, describe, prepare } = options;
  // Each conversation's last queued message, while a prepared one is on its way.
  const chains = new Map<string, Promise<boolean>>();
  return (raw, read) => {
    if (context.stopping()) return;
    const parsed = v.safeParse(schema, raw);
    if (!parsed.success) {
      log.warn(`${connection}.message_invalid`, {
        reason: `bad ${v.getDotPath(parsed.issues[0]) || "message"}`,
      });
      return;
    }
    const inbound = read(parsed.output);
    if ("ignored" in inbound) {
      log.debug(`${connection}.message_ignored`, { ...describe?.(parsed.output), reason: inbound.ignored });
      return;
    }
    const { envelope } = inbound;
    log.info("message.received", { envelopeId: envelopeId(envelope) });
    if (!prepare) {
      context.inflight.track(enqueueDurably(queueUrl, envelope, context.enqueueOptions));
      return;
    }
    const key = conversationKey(envelope);
    const ready = async () =>
      prepare(envelope, raw).catch((err: unknown) => {
        log.error(`${connection}.prepare_failed`, { envelopeId: envelopeId(envelope), err });
        return envelope;
      });
    const job = (chains.get(key) ?? Promise.resolve(true)).then(async () =>
      enqueueDurably(queueUrl, await ready(), context.enqueueOptions),
    );
    chains.set(key, job);
    void job.finally(() => {
      if (chains.get(key) === job) chains.delete(key);
    });
    context.inflight.track(job);
  };
}
