import type { Button, Outbox } from "../adapter.ts";
import { type AgentFile, finalAnswer } from "../agent/files.ts";
import type { LedgerEntry, SendLedger } from "../ledger.ts";
import { log } from "../log.ts";
import type { FileLoader } from "../media/outgoing.ts";
import { streamAnswer } from "../reply/live.ts";
import { firstPost, type Progress, progressOf, recordOf, sendAnswer } from "../reply/send.ts";
import type { Answer } from "./compose.ts";

/** Where an answer goes: the channel's outbox and the reply context. */
export interface Destination<Reply> {
  readonly outbox: Outbox<Reply>;
  readonly reply: Reply;
  /** Whether an answer may show while the agent writes it (STREAM_REPLIES), where the outbox can. */
  readonly stream: boolean;
  /** How the files of an answer are fetched (core/media/outgoing.ts); absent: files are not sent. */
  readonly files?: FileLoader;
}

/** A burst's other messages and the ledger entry of its first, when the caller read it already. */
export interface DeliverOptions {
  /**
   * The ids of the messages merged into this one's answer (its burst, this one first): marked answered
   * with it once its text is recorded, before the rest of it goes out, so none is answered again on its own.
   */
  readonly members?: readonly string[];
  /** What the ledger holds for `id`, read already (saves a second read). */
  readonly known?: { readonly entry: LedgerEntry | undefined };
  /** Buttons under the answer's last part (an admin's access request), where the platform has buttons. */
  readonly buttons?: readonly Button[];
}

/**
 * Step 3: the answer to envelope `id`, delivered once. The send ledger says whether it was answered
 * already (a redelivery: nothing more is sent) or partly (the rest of the same answer is sent and
 * `compose` is not asked again); else `compose` says what to send (undefined: nothing). The agent's
 * answer shows as it arrives where the channel streams (handlers/core/reply/live.ts), its posted parts
 * recorded as they go out; then the whole text is recorded, with the messages of its burst (`members`)
 * marked answered, and every part is brought to its final form (reply/send.ts). An attempt that died
 * mid-stream left no text: the agent is asked again, and its new answer takes over the messages the old
 * one posted. Every answer goes through here, and so does every notice to another chat (an admin's
 * access request), keyed by its own id instead of an envelope id.
 */
export async function deliverOnce<Reply>(
  ledger: SendLedger,
  id: string,
  compose: () => Promise<Answer | undefined>,
  to: Destination<Reply>,
  deadline: number,
  options: DeliverOptions = {},
): Promise<void> {
  const { members = [], buttons } = options;
  const entry = options.known ? options.known.entry : await ledger.get(id);
  if (entry?.complete) {
    log.info("message.already_answered", { envelopeId: id });
    return;
  }
  const record = recordOf(ledger, id);
  let progress: Progress = progressOf(entry);
  if (entry?.text !== undefined) {
    log.info("message.resumed", { envelopeId: id, delivered: entry.delivered });
    await Promise.all(members.map((member) => ledger.complete(member)));
    const files = filesOf(to, entry.files ?? []);
    return sendAnswer(to.outbox, to.reply, entry.text, {
      deadline,
      key: id,
      record,
      progress,
      buttons,
      files,
    });
  }
  if (progress.refs?.length) log.info("message.restreamed", { envelopeId: id, parts: progress.refs.length });
  const answer = await compose();
  if (answer === undefined) return;
  let text: string;
  let named: readonly unknown[] = [];
  let shown: readonly (string | undefined)[] = [];
  const streaming = to.stream && typeof answer !== "string" ? to.outbox.streaming?.(to.reply) : undefined;
  if (typeof answer === "string") {
    text = answer;
  } else if (streaming === undefined) {
    text = "";
    const files: unknown[] = [];
    for await (const piece of answer) {
      if (typeof piece === "string") text += piece;
      else files.push(...piece.files);
    }
    named = files;
  } else {
    const streamed = await streamAnswer(answer, to.outbox, to.reply, {
      streaming,
      key: id,
      record,
      progress,
      deadline,
    });
    ({ text, shown } = streamed);
    named = streamed.files;
    progress = { ...progress, refs: streamed.refs, inFlight: streamed.inFlight ?? progress.inFlight };
  }
  // The text is final: Markdown images and the files the agent named become parts after it.
  const final = typeof answer === "string" ? { text, files: [] } : finalAnswer(text, named, id);
  // Nothing of it out yet (the common case): its first part's in-flight mark goes in the same write.
  const marked = firstPost(progress, final.text, final.files);
  await ledger.answered(id, final.text, 1 + members.length, final.files, marked);
  await Promise.all(members.map((member) => ledger.complete(member)));
  const files = filesOf(to, final.files);
  return sendAnswer(to.outbox, to.reply, final.text, {
    deadline,
    key: id,
    record,
    progress: { ...progress, marked },
    shown,
    buttons,
    files,
  });
}

/** The files to send with an answer, where the destination can fetch them. */
function filesOf<Reply>(to: Destination<Reply>, list: readonly AgentFile[]) {
  if (list.length === 0) return undefined;
  if (!to.files) {
    log.warn("reply.files_not_sent", { count: list.length, reason: "no file loader" });
    return undefined;
  }
  return { list, load: to.files };
}
