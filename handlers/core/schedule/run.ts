import type { SQSRecord } from "aws-lambda";
import * as v from "valibot";
import type { AccessSettings } from "../access/settings.ts";
import type { AccessStore } from "../access/store.ts";
import type { ChannelAdapter, Outbox } from "../adapter.ts";
import type { Outcome } from "../batch.ts";
import { ENVELOPE_VERSION, type Envelope, envelopeId } from "../envelope.ts";
import { ConfigError, isRetryable } from "../errors.ts";
import type { SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import { mayWrite } from "../outbound/consume.ts";
import type { Contacts } from "../outbound/contacts.ts";
import { askScheduled, type Composer } from "../worker/compose.ts";
import { deliverOnce } from "../worker/deliver.ts";
import type { Received } from "../worker/receive.ts";
import { type ScheduledInvocation, scheduledEventId } from "./message.ts";

/** What running a scheduled invocation needs: the channel, its state, the agent, the time left. */
export interface ScheduledRun<Secret, Reply> {
  readonly adapter: ChannelAdapter<Secret, Reply>;
  readonly secret: () => Promise<Secret>;
  readonly outbox: () => Promise<Outbox<Reply>>;
  readonly ledger: SendLedger;
  /** Who the agent may write to (the same rule as for the messages it starts, outbound/consume.ts). */
  readonly access: { readonly settings: AccessSettings; readonly store: AccessStore | undefined };
  readonly contacts: Contacts;
  /** How to ask the agent (the worker's composer for this outbox). */
  readonly composer: (outbox: Outbox<Reply>) => Composer;
  /** Whether the answer may show while the agent writes it (STREAM_REPLIES). */
  readonly stream: boolean;
  readonly maxReceiveCount: number;
  readonly deadline: number;
}

/**
 * One firing of a schedule (schedule/message.ts), taken off the main queue in its conversation's order:
 * if the agent may write in the conversation (as for a message it starts: outbound/consume.ts `mayWrite`),
 * the agent is asked the schedule's prompt in the conversation's session (its payload: `prompt`, the
 * conversation, `user` `{ id: "schedule:<name>", name }`, `messageId` `schedule:<name>:<time>`) and the
 * answer delivered like any other, once per firing (the send ledger). Refused: logged, nothing sent. A
 * failure is retried like an answer's (then the DLQ); nobody is told, since nobody asked.
 */
export async function runScheduled<Secret, Reply>(
  record: SQSRecord,
  invocation: ScheduledInvocation,
  run: ScheduledRun<Secret, Reply>,
): Promise<Outcome> {
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const { adapter } = run;
  const eventId = scheduledEventId(invocation);
  const id = `${adapter.channel}:${eventId}`;
  const thread = invocation.thread ?? undefined;
  if (invocation.channel !== adapter.channel) {
    log.error("schedule.invalid", {
      envelopeId: id,
      reason: `channel: "${invocation.channel}" on the ${adapter.channel} queue`,
    });
    return "retry";
  }
  try {
    // WhatsApp Cloud's reply carries the template for a refusal outside the 24-hour window; others ignore it.
    const target = {
      conversation: invocation.conversation,
      thread,
      template: invocation.template ?? undefined,
    };
    const reply = v.safeParse(adapter.replySchema, adapter.replyTo?.(target, await run.secret()));
    if (!reply.success) {
      log.error("schedule.invalid", {
        envelopeId: id,
        reason: `conversation: not a ${adapter.channel} conversation id`,
      });
      return "retry";
    }
    if (!(await mayWrite(invocation, run))) {
      log.warn("schedule.refused", {
        envelopeId: id,
        conversation: invocation.conversation,
        reason: "no allowed user talked to the agent in this conversation",
      });
      return "done";
    }
    log.info("schedule.fired", { envelopeId: id, attempt });
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      channel: adapter.channel,
      eventId,
      conversation: invocation.conversation,
      ...(thread === undefined ? {} : { thread }),
      user: { id: `schedule:${invocation.name}`, name: invocation.name },
      text: invocation.prompt,
      attachments: [],
      reply: reply.output as Record<string, unknown>,
      receivedAt: Date.parse(invocation.time),
    };
    const message: Received<Reply> = { envelope, id: envelopeId(envelope), reply: reply.output, attempt };
    const outbox = await run.outbox();
    const composer = run.composer(outbox);
    await deliverOnce(
      run.ledger,
      message.id,
      async () => askScheduled(message, composer),
      { outbox, reply: reply.output, stream: run.stream },
      run.deadline,
    );
    log.info("schedule.done", { envelopeId: id });
    return "done";
  } catch (err) {
    const retryable = isRetryable(err) || err instanceof ConfigError;
    const final = !retryable || attempt >= run.maxReceiveCount;
    log[final ? "error" : "warn"]("schedule.failed", { envelopeId: id, attempt, final, err });
    return retryable ? "retry" : "done";
  }
}
