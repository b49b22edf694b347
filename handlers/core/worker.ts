import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as v from "valibot";
import type { AccessContext, Reach } from "./access/context.ts";
import type { Button, ChannelAdapter, Outbox } from "./adapter.ts";
import { type SessionKeyPart, withSessionKey } from "./agent/session-id.ts";
import { type Outcome, processFifoBatch, type Step } from "./batch.ts";
import { withinBudget } from "./budget.ts";
import type { Envelope } from "./envelope.ts";
import { ConfigError } from "./errors.ts";
import { Inflight } from "./inflight.ts";
import { lazy, lazyAsync } from "./lazy.ts";
import type { LedgerEntry } from "./ledger.ts";
import { log } from "./log.ts";
import { fetchAttachments } from "./media/attach.ts";
import { fileLoader } from "./media/outgoing.ts";
import { deliverOutbound } from "./outbound/consume.ts";
import { parseScheduled, type ScheduledInvocation } from "./schedule/message.ts";
import { runScheduled } from "./schedule/run.ts";
import { type SecretLoader, secretLoader } from "./secrets.ts";
import { runSetup, SetupEventSchema } from "./setup.ts";
import { startTyping } from "./typing.ts";
import { burstSize, holdSeconds } from "./worker/burst.ts";
import { type Composer, compose, sessionPolicyOf } from "./worker/compose.ts";
import { deliverOnce } from "./worker/deliver.ts";
import { credentialsRefused, handleFailure } from "./worker/failure.ts";
import { type Received, receive } from "./worker/receive.ts";
import { backOff, holdBack } from "./worker/redeliver.ts";
import { readWorkerSettings, type WorkerSettings } from "./worker/settings.ts";

/** `read` once per record (by SQS message id). */
function memoize<T>(read: (record: SQSRecord) => T): (record: SQSRecord) => T {
  const seen = new Map<string, T>();
  return (record) => {
    if (!seen.has(record.messageId)) seen.set(record.messageId, read(record));
    return seen.get(record.messageId) as T;
  };
}

type WorkerEvent = SQSEvent | Record<string, unknown>;
type WorkerResult = SQSBatchResponse | Record<string, unknown>;

/**
 * The worker Lambda handler of a channel: takes SQS batches of envelopes (returning
 * `{ batchItemFailures }`) and the module's setup/teardown invocations. Each record goes through the
 * steps in worker/: receive (read and check the envelope), compose (what to say: access, commands, the
 * agent), deliver (send it once, with the send ledger) and, when one of them fails, handleFailure
 * (log, tell the user when giving up, retry or not). How a message travels: docs/architecture.md.
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
  const settings = lazy(options.settings ?? (() => readWorkerSettings(adapter.channel)));
  const secret = options.secret ?? secretLoader(withSessionKey(adapter.secretSchema));
  const sessionPolicy = sessionPolicyOf(secret, () => settings().sessionScope);
  // A failed secret read is retried by the next message.
  const outbox = lazyAsync(async () => adapter.outbox(await secret()));
  const media = lazyAsync(async () => adapter.media?.(await secret()));
  const mergeable = (reply: unknown) => adapter.merges?.(reply as Reply) ?? true;

  /**
   * Answers a burst (one message, or several of one sender merged), keyed in the send ledger by its first;
   * `pending` collects what runs beside the answer (the typing indicator's end).
   */
  async function answer(
    burst: readonly Received<Reply>[],
    key: string,
    members: readonly string[],
    known: { entry: LedgerEntry | undefined },
    box: Outbox<Reply>,
    deadline: number,
    pending: Inflight,
  ) {
    const { ledger, streamReplies, maxReceiveCount } = settings();
    const last = burst.at(-1) as Received<Reply>;
    // The last attempt keeps the text of a message whose file cannot be fetched (core/media/attach.ts).
    const lastAttempt = burst.some((m) => m.attempt >= maxReceiveCount);
    const composer = composerFor(box, deadline, {
      attachments: async (envelope: Envelope) =>
        fetchAttachments(envelope, await media(), settings().media, lastAttempt),
      typing: () => startTyping(box, last.reply, adapter.typingIntervalMs, pending),
    });
    const said = async () => {
      const text = await compose(burst, composer);
      if (text === undefined) await box.silence?.(last.reply);
      return text;
    };
    await deliverOnce(
      ledger,
      key,
      said,
      { outbox: box, reply: last.reply, stream: streamReplies, files: fileLoader(settings().media) },
      deadline,
      { members, known },
    );
  }

  /** How to compose an answer going out through `box`: the settings', and the message's own `attachments` and `typing`. */
  function composerFor(
    box: Outbox<Reply>,
    deadline: number,
    own: Pick<Composer, "attachments" | "typing">,
  ): Composer {
    const { agent, sessions, contacts } = settings();
    return {
      agent,
      access: accessContext(box, deadline),
      sessions,
      contacts,
      sessionPolicy,
      deadline,
      ...own,
    };
  }

  /** How the access gate reaches people and what it weighs, for an answer going out through `box`. */
  function accessContext(box: Outbox<Reply>, deadline: number): AccessContext {
    const { access, accessStore } = settings();
    const reach: Reach = {
      direct: async (userId) => box.direct?.(userId),
      send: (to, id, text, buttons) => sendElsewhere(box, to, id, text, buttons, deadline),
    };
    return {
      channel: adapter.channel,
      settings: access,
      store: accessStore,
      answersStrangers: adapter.answersStrangers !== false,
      directWindowMs: adapter.directWindowMs,
      reach,
      now: Date.now,
    };
  }

  /** A scheduled invocation on the main queue: the agent asked the schedule's prompt (core/schedule/). */
  function runFiring(record: SQSRecord, invocation: ScheduledInvocation, deadline: number): Promise<Outcome> {
    const { access, accessStore, contacts, ledger, streamReplies, maxReceiveCount } = settings();
    return runScheduled(record, invocation, {
      adapter,
      secret,
      outbox,
      ledger,
      access: { settings: access, store: accessStore },
      contacts,
      composer: (box) => composerFor(box, deadline, { attachments: async () => [], typing: () => () => {} }),
      stream: streamReplies,
      maxReceiveCount,
      deadline,
    });
  }

  /** A record of the send queue: a message the agent starts. */
  function deliverStarted(record: SQSRecord, deadline: number): Promise<Outcome> {
    const { ledger, access, accessStore, contacts, maxReceiveCount, sendQueue } = settings();
    return deliverOutbound(record, {
      adapter,
      files: fileLoader(settings().media),
      secret,
      outbox,
      ledger,
      access: { settings: access, store: accessStore },
      contacts,
      dlqUrl: sendQueue?.dlqUrl,
      maxReceiveCount,
      deadline,
    });
  }

  /**
   * A message to another chat than the one being answered (an admin's, an allowed user's), once per `id`
   * through the send ledger; a failure is logged, never thrown (it must not fail the message being answered).
   */
  async function sendElsewhere(
    box: Outbox<Reply>,
    to: unknown,
    id: string,
    text: string,
    buttons: readonly Button[] | undefined,
    deadline: number,
  ): Promise<boolean> {
    const reply = v.safeParse(adapter.replySchema, to);
    if (!reply.success) {
      log.warn("notice.undeliverable", { key: id, reason: "no reply context this channel can use" });
      return false;
    }
    try {
      const to = { outbox: box, reply: reply.output, stream: false };
      await deliverOnce(settings().ledger, id, async () => text, to, deadline, buttons ? { buttons } : {});
      return true;
    } catch (err) {
      log.warn("notice.failed", { key: id, err });
      return false;
    }
  }

  /**
   * One step of a conversation's pending records: hold them back while the first one's burst window is
   * open, else answer the first one with the later ones of its burst (docs/architecture.md "Bursts").
   */
  async function processGroup(
    records: readonly SQSRecord[],
    read: (record: SQSRecord) => Received<Reply> | undefined,
    deadline: number,
  ): Promise<Step> {
    const { burstWindowMs, ledger, maxReceiveCount, sendQueue } = settings();
    const [first] = records;
    // A batch comes from one event source; the send queue's records are taken one at a time.
    if (first && first.eventSourceARN === sendQueue?.arn)
      return { count: 1, outcome: await deliverStarted(first, deadline) };
    // A schedule's firing is run on its own, in its conversation's order.
    const scheduled = first ? parseScheduled(first.body) : undefined;
    if (first && scheduled) {
      if (scheduled.ok) return { count: 1, outcome: await runFiring(first, scheduled.invocation, deadline) };
      log.error("schedule.invalid", { messageId: first.messageId, reason: scheduled.reason });
      return { count: 1, outcome: "retry" };
    }
    const messages = records.map(read);
    const [head] = messages;
    if (head === undefined) return { count: 1, outcome: "retry" };
    const hold = holdSeconds(head, burstWindowMs, mergeable);
    if (hold !== undefined) {
      log.info("message.held", { envelopeId: head.id, seconds: hold, pending: records.length });
      return { holdSeconds: hold };
    }
    const pending = new Inflight();
    let box: Outbox<Reply> | undefined;
    let burst: Received<Reply>[] = [head];
    try {
      // A retry takes together what the first attempt merged (the ledger says how many).
      const known = { entry: await ledger.get(head.id) };
      // (An attempt that died mid-stream recorded no text: its burst is taken again, as the first did.)
      const answered = known.entry?.text !== undefined || known.entry?.complete === true;
      const size = answered ? (known.entry?.burst ?? 1) : burstSize(messages, burstWindowMs, mergeable);
      burst = messages.slice(0, size).filter((m): m is Received<Reply> => m !== undefined);
      const candidate = await outbox();
      // Whether the bot is addressed at all, where only the platform can tell (a Slack thread reply):
      // checked before access, and no failure notice goes where the bot was not addressed.
      const addressed: Received<Reply>[] = [];
      for (const message of burst) {
        if (!candidate.addressed || (await candidate.addressed(message.reply))) addressed.push(message);
        else log.info("message.not_addressed", { envelopeId: message.id });
      }
      if (addressed.length > 0) {
        box = candidate;
        const members = burst.slice(1).map((m) => m.id);
        await answer(addressed, head.id, members, known, box, deadline, pending);
      }
      log.info("message.done", { envelopeId: head.id, totalMs: Date.now() - head.envelope.receivedAt });
      return { count: burst.length, outcome: "done" };
    } catch (err) {
      // The platform no longer takes our credentials: read the secret anew for the next attempt
      // (it may have been rotated since this container cached it).
      if (credentialsRefused(err)) {
        outbox.reset();
        media.reset();
        await secret.fresh().catch(() => undefined);
      }
      const lastAttempt = burst.some((m) => m.attempt >= maxReceiveCount);
      const answered = burst.at(-1) as Received<Reply>;
      const outcome = await handleFailure(err, { message: answered, box, lastAttempt, deadline });
      return { count: burst.length, outcome };
    } finally {
      // What still runs beside the answer ends before the record does, within the budget.
      await pending.drain(deadline - Date.now());
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
      // Each record is read once, however many steps of its group look at it.
      // (A schedule's firing is no envelope: it ends a burst, and is run on its own.)
      const read = memoize((record: SQSRecord) =>
        parseScheduled(record.body) ? undefined : receive(record, adapter),
      );
      const failed = await processFifoBatch(records, (pending) => processGroup(pending, read, deadline));
      const { queueUrl, sendQueue } = settings();
      // One batch comes from one event source: the send queue's, or the main queue's.
      const from = failed[0]?.record.eventSourceARN === sendQueue?.arn ? sendQueue?.url : queueUrl;
      await Promise.all([backOff(from, failed), holdBack(queueUrl, failed)]);
      return { batchItemFailures: failed.map((f) => ({ itemIdentifier: f.record.messageId })) };
    });
  };
}
