import type { AccessContext } from "../access/context.ts";
import { admit, capInvocation } from "../access/gate.ts";
import type { Piece } from "../agent/files.ts";
import type { Agent } from "../agent/invoke.ts";
import {
  type SessionKeyPart,
  type SessionPolicy,
  type SessionScope,
  sessionId,
  sessionScopeKey,
} from "../agent/session-id.ts";
import { OutOfTimeError } from "../budget.ts";
import type { Attachment, Envelope } from "../envelope.ts";
import { log } from "../log.ts";
import { notices } from "../notices.ts";
import { type Contacts, noContacts } from "../outbound/contacts.ts";
import type { Sessions } from "../session-generations.ts";
import type { Received } from "./receive.ts";

/** What composing an answer needs: the worker's settings, the channel's manners, the time left. */
export interface Composer {
  readonly agent: Agent;
  /** Who may talk to the agent, and how much (handlers/core/access). */
  readonly access: AccessContext;
  readonly sessions: Sessions;
  /** Who talked to the agent where, for the messages it starts later (outbound/contacts.ts). */
  readonly contacts: Contacts;
  /** How session ids are derived (see {@link sessionPolicyOf}). */
  readonly sessionPolicy: () => Promise<SessionPolicy>;
  /** The message's files as the agent gets them: fetched and stored, or skipped (core/media/attach.ts). */
  readonly attachments: (envelope: Envelope) => Promise<Attachment[]>;
  /** Starts the typing indicator while the agent works; call what it returns to stop it. */
  readonly typing: () => () => void;
  /** Epoch ms by which platform calls must be done: the agent leaves time for the answer before it. */
  readonly deadline: number;
}

/**
 * What to say: a text, or the agent's answer as it arrives (pieces of Markdown, in order, and the files it
 * names: agent/files.ts).
 */
export type Answer = string | AsyncIterable<Piece>;

/**
 * Step 2: what to say to a message (or a burst of them: one sender's messages in one conversation within
 * the burst window, merged into one), decided in this order: the access gate (handlers/core/access/gate.ts:
 * whether the sender may use the bot at all, the admins' commands, the rate limits; a refusal, a pairing
 * code or silence), the commands (`/help`, `/new`), an empty message (nothing), the daily cap, and else the
 * agent's answer. Undefined: nothing is said.
 */
export async function compose(
  messages: readonly Received<unknown>[],
  composer: Composer,
): Promise<Answer | undefined> {
  // Access comes first, so nothing of a refused sender reaches a command or the agent.
  const admission = await admit(messages, composer.access);
  if ("answer" in admission) return admission.answer;
  const message = merge(admission.admitted);
  const { envelope, id } = message;
  if (envelope.command === "help") return notices.help;
  const policy = await composer.sessionPolicy();
  if (envelope.command === "new") return startNewSession(message, composer, policy);
  if (envelope.text.trim() === "" && envelope.attachments.length === 0) {
    log.info("message.empty", { envelopeId: id });
    return undefined;
  }
  const capped = await capInvocation(message, admission.admin, composer.access);
  if (capped) return capped.answer;
  return askAgent(message, composer, policy);
}

/**
 * One message of a burst: the texts in order (a line each), every attachment, the last one's reply
 * context (the answer follows it), the first one's id and arrival.
 */
export function merge(messages: readonly Received<unknown>[]): Received<unknown> {
  const [first] = messages;
  const last = messages.at(-1);
  if (!first || !last || messages.length === 1) return first as Received<unknown>;
  log.info("message.merged", { envelopeId: first.id, merged: messages.map((m) => m.id) });
  return {
    ...last,
    id: first.id,
    envelope: {
      ...last.envelope,
      text: messages
        .map((m) => m.envelope.text.trim())
        .filter((text) => text !== "")
        .join("\n"),
      attachments: messages.flatMap((m) => m.envelope.attachments),
      receivedAt: first.envelope.receivedAt,
    },
  };
}

/**
 * `/new`: the current session is ended, and the conversation (or in per-user scope the sender's own
 * session in it) moves to its next generation: the next message goes to a new session id, with nothing
 * of the old.
 */
async function startNewSession(
  message: Received<unknown>,
  composer: Composer,
  policy: SessionPolicy,
): Promise<string> {
  const { envelope, id } = message;
  const scope = sessionScopeKey(envelope, policy.scope);
  const previous = await composer.sessions.current(scope);
  await composer.agent.end(sessionId(envelope, previous, policy));
  const generation = await composer.sessions.next(scope);
  log.info("session.new", { envelopeId: id, generation });
  return notices.newSession;
}

/** Less than this left for the agent: it is not asked in this invocation. */
const MIN_AGENT_MS = 1_000;

/** Time kept back from the agent for the reply or the failure notice. */
function reserveMs(remainingMs: number): number {
  return Math.min(15_000, Math.floor(remainingMs / 4));
}

/**
 * The agent's answer in the conversation's current session, as it arrives, with the typing indicator
 * while it works. Iterating it asks the agent; a blank answer ends with the "no answer" notice.
 */
async function* askAgent(
  message: Received<unknown>,
  composer: Composer,
  policy: SessionPolicy,
): AsyncGenerator<Piece> {
  const { envelope, id } = message;
  const started = Date.now();
  const stopTyping = composer.typing();
  // Beside the agent's work: this allowed user talked here, so the agent may write here later.
  const meeting = composer.contacts
    .met(`${envelope.channel}:${envelope.conversation}`, envelope.user.id)
    .catch((err: unknown) => log.warn("contacts.write_failed", { envelopeId: id, err }));
  let chars = 0;
  let blank = true;
  try {
    // Files are fetched only for a sender the allowlist let through, while the indicator shows.
    const attachments = envelope.attachments.length > 0 ? await composer.attachments(envelope) : [];
    // Too little left to wait for an answer (a slow start): the message comes back, nothing is lost.
    const left = composer.deadline - Date.now();
    const agentMs = left - reserveMs(left);
    if (agentMs < MIN_AGENT_MS) throw new OutOfTimeError("the agent");
    const scope = sessionScopeKey(envelope, policy.scope);
    const session = sessionId(envelope, await composer.sessions.current(scope), policy);
    const asked = { ...envelope, attachments };
    for await (const piece of composer.agent.stream(asked, session, AbortSignal.timeout(agentMs))) {
      if (typeof piece !== "string") {
        // Files alone are an answer too.
        blank &&= piece.files.length === 0;
        yield piece;
        continue;
      }
      if (chars === 0) log.info("agent.first_text", { envelopeId: id, agentMs: Date.now() - started });
      chars += piece.length;
      blank &&= piece.trim() === "";
      yield piece;
    }
  } finally {
    stopTyping();
    await meeting;
  }
  log.info("agent.answered", { envelopeId: id, agentMs: Date.now() - started, chars });
  if (blank) yield notices.empty;
}

/**
 * The agent's answer to a scheduled invocation (handlers/core/schedule/), as it arrives: the access gate
 * was the caller's (who may be written to), so only the daily cap is counted (a schedule, set by whoever
 * deploys the bot, counts toward it but is not stopped by it, like an admin), and nobody is recorded as
 * having talked in the conversation (the schedule is no user).
 */
export async function* askScheduled(message: Received<unknown>, composer: Composer): AsyncGenerator<Piece> {
  await capInvocation(message, true, composer.access);
  const policy = await composer.sessionPolicy();
  yield* askAgent(message, { ...composer, contacts: noContacts }, policy);
}

/**
 * How a worker derives session ids: the scope, and the key in the channel's secret (`session_key`). A
 * secret without one gives the unkeyed ids of earlier versions, said once per container (`session.unkeyed`).
 */
export function sessionPolicyOf(
  secret: () => Promise<SessionKeyPart>,
  scope: () => SessionScope,
): () => Promise<SessionPolicy> {
  let warned = false;
  return async () => {
    const key = (await secret()).session_key;
    if (key === undefined && !warned) {
      warned = true;
      log.warn("session.unkeyed", {
        hint: "the channel secret has no session_key: session ids are plain SHA-256 of public ids, which anyone can compute; the module adds one",
      });
    }
    return { scope: scope(), key };
  };
}
