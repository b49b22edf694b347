import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as v from "valibot";
import type { ChannelAdapter, Outbox } from "./adapter.ts";
import { type Agent, agentCore } from "./agent/invoke.ts";
import { containerAgent } from "./agent/local.ts";
import {
  type SessionKeyPart,
  type SessionPolicy,
  type SessionScope,
  sessionId,
  sessionScopeKey,
  withSessionKey,
} from "./agent/session-id.ts";
import { type Allowlist, parseAllowlist } from "./allowlist.ts";
import { type FailedRecord, type Outcome, processFifoBatch } from "./batch.ts";
import { OutOfTimeError, withinBudget } from "./budget.ts";
import { boolEnv, intEnv, optionalEnv, requiredEnv } from "./config.ts";
import { type Envelope, envelopeId, parseEnvelope } from "./envelope.ts";
import { AgentError, ConfigError, isRetryable, PlatformError } from "./errors.ts";
import { lazy, lazyAsync } from "./lazy.ts";
import { dynamoLedger, noLedger, type SendLedger } from "./ledger.ts";
import { log } from "./log.ts";
import { notices as texts } from "./notices.ts";
import { redeliverAfter as retryAfter } from "./queue.ts";
import { type SecretLoader, secretLoader } from "./secrets.ts";
import { dynamoSessions, noSessions, type Sessions } from "./session-generations.ts";
import { runSetup, SetupEventSchema } from "./setup.ts";
import { keepTyping } from "./typing.ts";

/** What the worker reads from its environment, once per container. */
export interface WorkerSettings {
  readonly agent: Agent;
  readonly allowlist: Allowlist;
  /** The queue's redrive maxReceiveCount: the attempt that equals it is the last. */
  readonly maxReceiveCount: number;
  /** The queue, to bring a failed message back soon (ChangeMessageVisibility); optional. */
  readonly queueUrl: string | undefined;
  /** What was already sent per envelope (LEDGER_TABLE), so a redelivery never answers twice. */
  readonly ledger: SendLedger;
  /** Each conversation's agent session since its last `/new` (the same table). */
  readonly sessions: Sessions;
  /** SESSION_SCOPE: one agent session per conversation (default), or per user in each conversation. */
  readonly sessionScope: SessionScope;
}

const RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/;

/** Reads the worker's settings from the environment; throws a ConfigError naming the bad variable. */
export function readWorkerSettings(): WorkerSettings {
  const allowlist = parseAllowlist(process.env.ALLOWED_USERS);
  if (allowlist.empty) log.warn("allowlist.empty", { hint: "ALLOWED_USERS is empty: every user is refused" });
  return {
    agent: readAgent(),
    allowlist,
    maxReceiveCount: intEnv("MAX_RECEIVE_COUNT", 3, 1, 1000),
    queueUrl: process.env.QUEUE_URL?.trim() || undefined,
    ...stateTable(process.env.LEDGER_TABLE?.trim()),
    sessionScope: readSessionScope(),
  };
}

/** SESSION_SCOPE: `conversation` (default) or `user`. */
function readSessionScope(): SessionScope {
  const scope = optionalEnv("SESSION_SCOPE", "conversation");
  if (scope !== "conversation" && scope !== "user") {
    throw new ConfigError(
      `SESSION_SCOPE=${JSON.stringify(scope)} is neither "conversation" (one agent session per chat) nor "user" (one per user in each chat)`,
    );
  }
  return scope;
}

/** The send ledger and the conversations' sessions, in `table`; neither without one. */
function stateTable(table: string | undefined): Pick<WorkerSettings, "ledger" | "sessions"> {
  if (!table) return { ledger: noLedger, sessions: noSessions };
  return { ledger: dynamoLedger(table), sessions: dynamoSessions(table) };
}

/**
 * The agent: `AGENT_URL` (an agent serving the AgentCore container contract, for local runs) or
 * else `AGENT_RUNTIME_ARN` (+ `AGENT_QUALIFIER`, `AGENT_USER_ID`) on AgentCore Runtime.
 */
function readAgent(): Agent {
  const url = process.env.AGENT_URL?.trim();
  if (url) {
    if (!/^https?:\/\//.test(url))
      throw new ConfigError(`AGENT_URL=${JSON.stringify(url)} is not an http(s) URL`);
    return containerAgent(url);
  }
  const runtimeArn = requiredEnv("AGENT_RUNTIME_ARN", "set it to the ARN of your AgentCore runtime");
  if (!RUNTIME_ARN.test(runtimeArn)) {
    throw new ConfigError(
      `AGENT_RUNTIME_ARN=${JSON.stringify(runtimeArn)} is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)`,
    );
  }
  return agentCore({
    runtimeArn,
    qualifier: optionalEnv("AGENT_QUALIFIER", "DEFAULT"),
    passUserId: boolEnv("AGENT_USER_ID"),
  });
}

/** Seconds until a failed message comes back: 10 s, 30 s, 90 s …, at most 15 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(900, 10 * 3 ** Math.max(0, attempt - 1));
}

/** Less than this left for the agent: it is not asked in this invocation. */
const MIN_AGENT_MS = 1_000;

/** Time kept back from the agent for the reply or the failure notice. */
function reserveMs(remainingMs: number): number {
  return Math.min(15_000, Math.floor(remainingMs / 4));
}

type WorkerEvent = SQSEvent | Record<string, unknown>;
type WorkerResult = SQSBatchResponse | Record<string, unknown>;

/**
 * The worker Lambda handler of a channel: takes SQS batches of envelopes (returning
 * `{ batchItemFailures }`) and the module's setup/teardown invocations.
 * @example export const handler = createWorker(telegram);
 */
export function createWorker<Secret, Reply>(
  adapter: ChannelAdapter<Secret, Reply>,
  options: {
    settings?: () => WorkerSettings;
    /**
     * Where the credentials come from (and the session key, `session_key`, beside them); a channel
     * without credentials (WhatsApp personal) passes its own loader.
     */
    secret?: SecretLoader<Secret & SessionKeyPart>;
  } = {},
): (event: WorkerEvent, context?: Context) => Promise<WorkerResult> {
  const settings = lazy(options.settings ?? readWorkerSettings);
  const secret = options.secret ?? secretLoader(withSessionKey(adapter.secretSchema));
  let warnedUnkeyed = false;

  /** How session ids are derived: the scope, and the secret's session key. */
  async function sessionPolicy(): Promise<SessionPolicy> {
    const key = (await secret()).session_key;
    if (key === undefined && !warnedUnkeyed) {
      warnedUnkeyed = true;
      log.warn("session.unkeyed", {
        hint: "the channel secret has no session_key: session ids are plain SHA-256 of public ids, which anyone can compute; the module adds one",
      });
    }
    return { scope: settings().sessionScope, key };
  }
  // A failed secret read is retried by the next message.
  const outbox = lazyAsync(async () => adapter.outbox(await secret()));

  /** What to say: a fixed text (refusal, help, new session), the agent's answer, or nothing. */
  async function compose(envelope: Envelope, reply: Reply, box: Outbox<Reply>, deadline: number) {
    const { agent, allowlist, sessions } = settings();
    const id = envelopeId(envelope);
    if (!allowlist.allows(envelope.user.id)) {
      const silent = adapter.answersStrangers === false;
      log.info("user.refused", { envelopeId: id, userId: envelope.user.id, ...(silent ? { silent } : {}) });
      return silent ? undefined : texts.refused;
    }
    if (envelope.command === "help") return texts.help;
    const policy = await sessionPolicy();
    // The conversation, or in per-user scope the sender's own session in it.
    const scope = sessionScopeKey(envelope, policy.scope);
    if (envelope.command === "new") {
      // The old session is ended; the next message goes to a new session id, with nothing of the old.
      const previous = await sessions.current(scope);
      await agent.end(sessionId(envelope, previous, policy));
      const generation = await sessions.next(scope);
      log.info("session.new", { envelopeId: id, generation });
      return texts.newSession;
    }
    if (envelope.text.trim() === "" && envelope.attachments.length === 0) {
      log.info("message.empty", { envelopeId: id });
      return undefined;
    }
    const started = Date.now();
    const stopTyping = keepTyping(() => box.typing(reply), adapter.typingIntervalMs);
    let text: string;
    try {
      // Too little left to wait for an answer (a slow start): the message comes back, nothing is lost.
      const agentMs = deadline - Date.now() - reserveMs(deadline - Date.now());
      if (agentMs < MIN_AGENT_MS) throw new OutOfTimeError("the agent");
      const session = sessionId(envelope, await sessions.current(scope), policy);
      text = await agent.ask(envelope, session, AbortSignal.timeout(agentMs));
    } finally {
      stopTyping();
      box.typingDone?.(reply).catch((err: unknown) => log.debug("typing.failed", { err }));
    }
    log.info("agent.answered", { envelopeId: id, agentMs: Date.now() - started, chars: text.length });
    return text.trim() === "" ? texts.empty : text;
  }

  /**
   * Answers once: the send ledger says whether this envelope was answered already (a redelivery:
   * nothing more is sent) or partly (the rest of the same answer is sent, the agent is not asked again,
   * and a chunk left in flight is looked up on the platform where it can tell).
   */
  async function answer(
    envelope: Envelope,
    reply: Reply,
    box: Outbox<Reply>,
    deadline: number,
  ): Promise<void> {
    const { ledger } = settings();
    const id = envelopeId(envelope);
    const entry = await ledger.get(id);
    if (entry?.complete) {
      log.info("message.already_answered", { envelopeId: id });
      return;
    }
    let text = entry?.text;
    if (text === undefined) {
      text = await compose(envelope, reply, box, deadline);
      if (text === undefined) return;
      await ledger.answered(id, text);
    } else {
      log.info("message.resumed", { envelopeId: id, delivered: entry?.delivered });
    }
    const resumed = entry?.text === undefined ? undefined : entry;
    const inFlight = resumed?.inFlight;
    // Once a chunk is out, a failed ledger write must not fail the message: a retry would send it
    // again. The write is logged and the reply goes on; only a later failure could repeat a chunk.
    const record = (operation: string, write: Promise<void>) =>
      write.catch((err: unknown) => log.warn("ledger.write_failed", { envelopeId: id, operation, err }));
    await box.send(reply, text, {
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

  async function processRecord(record: SQSRecord, deadline: number): Promise<Outcome> {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    const parsed = parseEnvelope(record.body);
    if (!parsed.ok) {
      // Only our ingress writes here, so this is our bug: keep it for the DLQ, never drop it.
      log.error("envelope.invalid", { messageId: record.messageId, reason: parsed.reason, attempt });
      return "retry";
    }
    const envelope = parsed.envelope;
    const id = envelopeId(envelope);
    const reply = v.safeParse(adapter.replySchema, envelope.reply);
    if (envelope.channel !== adapter.channel || !reply.success) {
      log.error("envelope.invalid", {
        envelopeId: id,
        reason: "reply context does not fit this channel",
        attempt,
      });
      return "retry";
    }
    log.info("message.received", { envelopeId: id, attempt, queuedMs: Date.now() - envelope.receivedAt });
    let box: Outbox<Reply> | undefined;
    let lastAttempt = false;
    try {
      lastAttempt = attempt >= settings().maxReceiveCount;
      const candidate = await outbox();
      // Whether the bot is addressed at all, where only the platform can tell (a Slack thread reply):
      // checked before the allowlist, and no failure notice goes where the bot was not addressed.
      if (candidate.addressed && !(await candidate.addressed(reply.output))) {
        log.info("message.not_addressed", { envelopeId: id });
        return "done";
      }
      box = candidate;
      await answer(envelope, reply.output, box, deadline);
      log.info("message.done", { envelopeId: id, totalMs: Date.now() - envelope.receivedAt });
      return "done";
    } catch (err) {
      // The platform no longer takes our credentials: read the secret anew for the next attempt
      // (it may have been rotated since this container cached it).
      if (err instanceof PlatformError && err.status === 401) {
        outbox.reset();
        await secret.fresh().catch(() => undefined);
      }
      // A configuration error keeps the message (for the DLQ and a redrive once it is fixed).
      const retryable = isRetryable(err) || err instanceof ConfigError;
      const final = !retryable || lastAttempt;
      // A platform refusing for good (user blocked the bot, chat gone) is not our failure.
      const refused = err instanceof PlatformError && !retryable;
      log[final && !refused ? "error" : "warn"](refused ? "message.undeliverable" : "message.failed", {
        envelopeId: id,
        attempt,
        final,
        err,
      });
      // The user hears once that we gave up: on the last attempt, or at once when a retry
      // cannot help the agent. A platform that refuses us (blocked, no such chat) gets nothing.
      if (box && final && (retryable || err instanceof AgentError)) {
        const told = await box.send(reply.output, texts.failed, { deadline }).then(
          () => true,
          (noticeErr: unknown) => {
            log.warn("notice.failed", { envelopeId: id, err: noticeErr });
            return false;
          },
        );
        // Given up for good, and the user could not be told: keep the message (retried, then the
        // DLQ) rather than drop it without a word.
        if (!told && !retryable) return "retry";
      }
      return retryable ? "retry" : "done";
    }
  }

  return async function handler(event: WorkerEvent, context?: Context): Promise<WorkerResult> {
    const setup = v.safeParse(SetupEventSchema, event);
    // Setup runs on apply, often right after the secret changed: read it anew.
    if (setup.success) return runSetup(adapter, () => secret.fresh(), setup.output);
    const records = (event as SQSEvent).Records;
    if (!Array.isArray(records)) throw new ConfigError("the worker takes SQS events or setup actions");
    const remaining = context?.getRemainingTimeInMillis() ?? 60_000;
    // Platform calls stop early enough to record what they did before Lambda ends the invocation.
    return withinBudget(Date.now() + remaining, async (deadline) => {
      const failed = await processFifoBatch(records, (record) => processRecord(record, deadline));
      await backOff(failed);
      return { batchItemFailures: failed.map((f) => ({ itemIdentifier: f.record.messageId })) };
    });
  };

  /** Brings failed records back after the back-off for their attempt, not the visibility timeout. */
  async function backOff(failed: readonly FailedRecord[]): Promise<void> {
    const queueUrl = settings().queueUrl;
    if (queueUrl && failed.length > 0) {
      const attempt = Math.max(
        ...failed.map((f) => Number(f.record.attributes.ApproximateReceiveCount) || 1),
      );
      await retryAfter(
        queueUrl,
        failed.map((f) => f.record.receiptHandle),
        backoffSeconds(attempt),
      ).catch((err: unknown) => log.warn("visibility.failed", { err }));
    }
  }
}
