import * as v from "valibot";
import { envelopeId } from "../handlers/core/envelope.ts";
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
  const { connection, schema, queueUrl, context, describe } = options;
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
    log.info("message.received", { envelopeId: envelopeId(inbound.envelope) });
    context.inflight.track(enqueueDurably(queueUrl, inbound.envelope, context.enqueueOptions));
  };
}
