import type { Outbox } from "../adapter.ts";
import type { SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import { progressOf, recordOf, sendAnswer } from "../reply/send.ts";

/** Where an answer goes: the channel's outbox and the reply context. */
export interface Destination<Reply> {
  readonly outbox: Outbox<Reply>;
  readonly reply: Reply;
}

/**
 * Step 3: the answer to envelope `id`, delivered once. The send ledger says whether it was answered
 * already (a redelivery: nothing more is sent) or partly (the rest of the same answer is sent and
 * `compose` is not asked again); else `compose` says what to send (undefined: nothing), and its text is
 * recorded before any of it goes out. Every answer goes through here; a message the agent starts on its
 * own would too, keyed by its idempotency key instead of an envelope id.
 */
export async function deliverOnce<Reply>(
  ledger: SendLedger,
  id: string,
  compose: () => Promise<string | undefined>,
  to: Destination<Reply>,
  deadline: number,
): Promise<void> {
  const entry = await ledger.get(id);
  if (entry?.complete) {
    log.info("message.already_answered", { envelopeId: id });
    return;
  }
  const options = { deadline, key: id, record: recordOf(ledger, id), progress: progressOf(entry) };
  if (entry?.text !== undefined) {
    log.info("message.resumed", { envelopeId: id, delivered: entry.delivered });
    return sendAnswer(to.outbox, to.reply, entry.text, options);
  }
  const text = await compose();
  if (text === undefined) return;
  await ledger.answered(id, text);
  return sendAnswer(to.outbox, to.reply, text, options);
}
