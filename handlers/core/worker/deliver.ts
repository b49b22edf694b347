import type { Outbox } from "../adapter.ts";
import type { SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import { streamAnswer } from "../reply/live.ts";
import { type Progress, progressOf, recordOf, sendAnswer } from "../reply/send.ts";
import type { Answer } from "./compose.ts";

/** Where an answer goes: the channel's outbox and the reply context. */
export interface Destination<Reply> {
  readonly outbox: Outbox<Reply>;
  readonly reply: Reply;
  /** Whether an answer may show while the agent writes it (STREAM_REPLIES), where the outbox can. */
  readonly stream: boolean;
}

/**
 * Step 3: the answer to envelope `id`, delivered once. The send ledger says whether it was answered
 * already (a redelivery: nothing more is sent) or partly (the rest of the same answer is sent and
 * `compose` is not asked again); else `compose` says what to send (undefined: nothing). The agent's
 * answer shows as it arrives where the channel streams (handlers/core/reply/live.ts), its posted parts
 * recorded as they go out; then the whole text is recorded, and every part is brought to its final form
 * (reply/send.ts). An attempt that died mid-stream left no text: the agent is asked again, and its new
 * answer takes over the messages the old one posted. Every answer goes through here; a message the agent
 * starts on its own would too, keyed by its idempotency key instead of an envelope id.
 */
export async function deliverOnce<Reply>(
  ledger: SendLedger,
  id: string,
  compose: () => Promise<Answer | undefined>,
  to: Destination<Reply>,
  deadline: number,
): Promise<void> {
  const entry = await ledger.get(id);
  if (entry?.complete) {
    log.info("message.already_answered", { envelopeId: id });
    return;
  }
  const record = recordOf(ledger, id);
  let progress: Progress = progressOf(entry);
  if (entry?.text !== undefined) {
    log.info("message.resumed", { envelopeId: id, delivered: entry.delivered });
    return sendAnswer(to.outbox, to.reply, entry.text, { deadline, key: id, record, progress });
  }
  if (progress.refs?.length) log.info("message.restreamed", { envelopeId: id, parts: progress.refs.length });
  const answer = await compose();
  if (answer === undefined) return;
  let text: string;
  let shown: readonly (string | undefined)[] = [];
  const streaming = to.stream && typeof answer !== "string" ? to.outbox.streaming?.(to.reply) : undefined;
  if (typeof answer === "string") {
    text = answer;
  } else if (streaming === undefined) {
    text = "";
    for await (const piece of answer) text += piece;
  } else {
    const streamed = await streamAnswer(answer, to.outbox, to.reply, {
      streaming,
      key: id,
      record,
      progress,
    });
    ({ text, shown } = streamed);
    progress = { ...progress, refs: streamed.refs, inFlight: streamed.inFlight ?? progress.inFlight };
  }
  await ledger.answered(id, text);
  return sendAnswer(to.outbox, to.reply, text, { deadline, key: id, record, progress, shown });
}
