import type { Agent } from "../agent/invoke.ts";
import {
  type SessionKeyPart,
  type SessionPolicy,
  type SessionScope,
  sessionId,
  sessionScopeKey,
} from "../agent/session-id.ts";
import type { Allowlist } from "../allowlist.ts";
import { OutOfTimeError } from "../budget.ts";
import type { Attachment } from "../envelope.ts";
import { log } from "../log.ts";
import { notices } from "../notices.ts";
import type { Contacts } from "../outbound/contacts.ts";
import type { Sessions } from "../session-generations.ts";
import type { Received } from "./receive.ts";

/** What composing an answer needs: the worker's settings, the channel's manners, the time left. */
export interface Composer {
  readonly agent: Agent;
  readonly allowlist: Allowlist;
  readonly sessions: Sessions;
  /** Who talked to the agent where, for the messages it starts later (outbound/contacts.ts). */
  readonly contacts: Contacts;
  /** How session ids are derived (see {@link sessionPolicyOf}). */
  readonly sessionPolicy: () => Promise<SessionPolicy>;
  /** Whether a user the allowlist refuses is told so (ChannelAdapter.answersStrangers). */
  readonly answersStrangers: boolean;
  /** The message's files as the agent gets them: fetched and stored, or skipped (core/media/attach.ts). */
  readonly attachments: () => Promise<Attachment[]>;
  /** Starts the typing indicator while the agent works; call what it returns to stop it. */
  readonly typing: () => () => void;
  /** Epoch ms by which platform calls must be done: the agent leaves time for the answer before it. */
  readonly deadline: number;
}

/** What to say: a text, or the agent's answer as it arrives (pieces of Markdown, in order). */
export type Answer = string | AsyncIterable<string>;

/**
 * Step 2: what to say to a message, decided in this order: whether the sender may use the bot at all
 * (the allowlist: a refusal, or silence on a channel that answers no strangers), the commands (`/help`,
 * `/new`), an empty message (nothing), and else the agent's answer. Undefined: nothing is said.
 */
export async function compose(message: Received<unknown>, composer: Composer): Promise<Answer | undefined> {
  const { envelope, id } = message;
  // Access comes first, so nothing of a refused sender reaches a command or the agent. A richer access
  // policy (pairing codes, admins answering /allow and /deny) would decide here.
  if (!composer.allowlist.allows(envelope.user.id)) return refuse(message, composer.answersStrangers);
  if (envelope.command === "help") return notices.help;
  const policy = await composer.sessionPolicy();
  if (envelope.command === "new") return startNewSession(message, composer, policy);
  if (envelope.text.trim() === "" && envelope.attachments.length === 0) {
    log.info("message.empty", { envelopeId: id });
    return undefined;
  }
  return askAgent(message, composer, policy);
}

function refuse(message: Received<unknown>, answersStrangers: boolean): string | undefined {
  const silent = !answersStrangers;
  log.info("user.refused", {
    envelopeId: message.id,
    userId: message.envelope.user.id,
    ...(silent ? { silent } : {}),
  });
  return silent ? undefined : notices.refused;
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
): AsyncGenerator<string> {
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
    const attachments = envelope.attachments.length > 0 ? await composer.attachments() : [];
    // Too little left to wait for an answer (a slow start): the message comes back, nothing is lost.
    const left = composer.deadline - Date.now();
    const agentMs = left - reserveMs(left);
    if (agentMs < MIN_AGENT_MS) throw new OutOfTimeError("the agent");
    const scope = sessionScopeKey(envelope, policy.scope);
    const session = sessionId(envelope, await composer.sessions.current(scope), policy);
    const asked = { ...envelope, attachments };
    for await (const piece of composer.agent.stream(asked, session, AbortSignal.timeout(agentMs))) {
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
