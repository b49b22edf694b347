import type { SendOptions } from "../adapter.ts";
import type { LedgerEntry, SendLedger } from "../ledger.ts";
import { log } from "../log.ts";

/** Sends Markdown to where the answer goes (a channel's Outbox.send, bound to the reply context). */
export type Send = (markdown: string, options: SendOptions) => Promise<void>;

/** A burst's other messages and the ledger entry of its first, when the caller read it already. */
export interface DeliverOptions {
  /**
   * The ids of the messages merged into this one's answer (its burst, this one first): marked answered
   * with it before any of it goes out, so none of them is answered again on its own.
   */
  readonly members?: readonly string[];
  /** What the ledger holds for `id`, read already (saves a second read). */
  readonly known?: { readonly entry: LedgerEntry | undefined };
}

/**
 * Step 3: the answer to envelope `id`, delivered once. The send ledger says whether it was answered
 * already (a redelivery: nothing more is sent) or partly (the rest of the same answer is sent and
 * `compose` is not asked again); else `compose` says what to send (undefined: nothing), and its text is
 * recorded before any of it goes out, with the messages of its burst (`members`) marked answered.
 */
export async function deliverOnce(
  ledger: SendLedger,
  id: string,
  compose: () => Promise<string | undefined>,
  send: Send,
  deadline: number,
  options: DeliverOptions = {},
): Promise<void> {
  const members = options.members ?? [];
  const entry = options.known ? options.known.entry : await ledger.get(id);
  if (entry?.complete) {
    log.info("message.already_answered", { envelopeId: id });
    return;
  }
  if (entry?.text !== undefined) {
    log.info("message.resumed", { envelopeId: id, delivered: entry.delivered });
    await Promise.all(members.map((member) => ledger.complete(member)));
    return sendRecorded(ledger, id, entry.text, send, deadline, entry);
  }
  const text = await compose();
  if (text === undefined) return;
  await ledger.answered(id, text, 1 + members.length);
  await Promise.all(members.map((member) => ledger.complete(member)));
  return sendRecorded(ledger, id, text, send, deadline);
}

/**
 * Sends `text` with the ledger told of each chunk: in flight before it goes out, delivered after, and
 * the whole reply complete at the end. Resuming an earlier attempt (`resumed`), the chunks it delivered
 * are skipped, and the one it left in flight is looked up on the platform where the platform can tell.
 * Every answer goes through here; a message the agent starts on its own would too, keyed by its
 * idempotency key instead of an envelope id. The channel's `send` renders, splits and paces today;
 * where the core does that for every channel, its loop over the chunks belongs here.
 */
export async function sendRecorded(
  ledger: SendLedger,
  id: string,
  text: string,
  send: Send,
  deadline: number,
  resumed?: LedgerEntry,
): Promise<void> {
  // Once a chunk is out, a failed ledger write must not fail the message: a retry would send it
  // again. The write is logged and the reply goes on; only a later failure could repeat a chunk.
  const record = (operation: string, write: Promise<void>) =>
    write.catch((err: unknown) => log.warn("ledger.write_failed", { envelopeId: id, operation, err }));
  const inFlight = resumed?.inFlight;
  await send(text, {
    deadline,
    key: id,
    skip: resumed?.delivered ?? 0,
    ...(inFlight && inFlight.index === resumed?.delivered
      ? {
          uncertain: {
            ...inFlight,
            seen: resumed.seen.includes(inFlight.index),
            recheck: async () => (await ledger.get(id))?.seen.includes(inFlight.index) ?? false,
          },
        }
      : {}),
    sending: (index) => record("sending", ledger.sending(id, index)),
    delivered: (count) => record("delivered", ledger.delivered(id, count)),
  });
  await record("complete", ledger.complete(id));
}
