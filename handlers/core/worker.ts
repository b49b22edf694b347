import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as v from "valibot";
import type { ChannelAdapter, Outbox } from "./adapter.ts";
import { type SessionKeyPart, withSessionKey } from "./agent/session-id.ts";
import { type FailedRecord, type Outcome, processFifoBatch } from "./batch.ts";
import { withinBudget } from "./budget.ts";
import { ConfigError } from "./errors.ts";
import { Inflight } from "./inflight.ts";
import { lazy, lazyAsync } from "./lazy.ts";
import { log } from "./log.ts";
import { fetchAttachments } from "./media/attach.ts";
import { deliverOutbound } from "./outbound/consume.ts";
import { type SecretLoader, secretLoader } from "./secrets.ts";
import { runSetup, SetupEventSchema } from "./setup.ts";
import { redeliverAfter } from "./sqs-client.ts";
import { startTyping } from "./typing.ts";
import { compose, sessionPolicyOf } from "./worker/compose.ts";
import { deliverOnce } from "./worker/deliver.ts";
import { credentialsRefused, handleFailure } from "./worker/failure.ts";
import { type Received, receive } from "./worker/receive.ts";
import { readWorkerSettings, type WorkerSettings } from "./worker/settings.ts";

/** Seconds until a failed message comes back: 10 s, 30 s, 90 s …, at most 15 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(900, 10 * 3 ** Math.max(0, attempt - 1));
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
  const settings = lazy(options.settings ?? readWorkerSettings);
  const secret = options.secret ?? secretLoader(withSessionKey(adapter.secretSchema));
  const sessionPolicy = sessionPolicyOf(secret, () => settings().sessionScope);
  // A failed secret read is retried by the next message.
  const outbox = lazyAsync(async () => adapter.outbox(await secret()));
  const media = lazyAsync(async () => adapter.media?.(await secret()));

  /** Answers one message; `pending` collects what runs beside the answer (the typing indicator's end). */
  async function answer(
    message: Received<Reply>,
    box: Outbox<Reply>,
    at: { deadline: number; lastAttempt: boolean },
    pending: Inflight,
  ) {
    const { deadline, lastAttempt } = at;
    const { agent, allowlist, sessions, contacts, ledger, streamReplies } = settings();
    const composer = {
      agent,
      allowlist,
      sessions,
      contacts,
      sessionPolicy,
      answersStrangers: adapter.answersStrangers !== false,
      attachments: async () =>
        fetchAttachments(message.envelope, await media(), settings().media, lastAttempt),
      typing: () => startTyping(box, message.reply, adapter.typingIntervalMs, pending),
      deadline,
    };
    await deliverOnce(
      ledger,
      message.id,
      () => compose(message, composer),
      { outbox: box, reply: message.reply, stream: streamReplies },
      deadline,
    );
  }

  /** A record of the send queue: a message the agent starts. */
  function deliverStarted(record: SQSRecord, deadline: number): Promise<Outcome> {
    const { ledger, allowlist, contacts, maxReceiveCount, sendQueue } = settings();
    return deliverOutbound(record, {
      adapter,
      secret,
      outbox,
      ledger,
      allowlist,
      contacts,
      dlqUrl: sendQueue?.dlqUrl,
      maxReceiveCount,
      deadline,
    });
  }

  async function processRecord(record: SQSRecord, deadline: number): Promise<Outcome> {
    if (record.eventSourceARN === settings().sendQueue?.arn) return deliverStarted(record, deadline);
    const message = receive(record, adapter);
    if (message === undefined) return "retry";
    const pending = new Inflight();
    let box: Outbox<Reply> | undefined;
    let lastAttempt = false;
    try {
      lastAttempt = message.attempt >= settings().maxReceiveCount;
      const candidate = await outbox();
      // Whether the bot is addressed at all, where only the platform can tell (a Slack thread reply):
      // checked before the allowlist, and no failure notice goes where the bot was not addressed.
      if (candidate.addressed && !(await candidate.addressed(message.reply))) {
        log.info("message.not_addressed", { envelopeId: message.id });
        return "done";
      }
      box = candidate;
      await answer(message, box, { deadline, lastAttempt }, pending);
      log.info("message.done", { envelopeId: message.id, totalMs: Date.now() - message.envelope.receivedAt });
      return "done";
    } catch (err) {
      // The platform no longer takes our credentials: read the secret anew for the next attempt
      // (it may have been rotated since this container cached it).
      if (credentialsRefused(err)) {
        outbox.reset();
        media.reset();
        await secret.fresh().catch(() => undefined);
      }
      return await handleFailure(err, { message, box, lastAttempt, deadline });
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
      const failed = await processFifoBatch(records, (record) => processRecord(record, deadline));
      await backOff(failed);
      return { batchItemFailures: failed.map((f) => ({ itemIdentifier: f.record.messageId })) };
    });
  };

  /** Brings failed records back after the back-off for their attempt, not the visibility timeout. */
  async function backOff(failed: readonly FailedRecord[]): Promise<void> {
    const { queueUrl, sendQueue } = settings();
    // One batch comes from one event source: the send queue's, or the main queue's.
    const fromSendQueue = failed[0]?.record.eventSourceARN === sendQueue?.arn;
    const url = fromSendQueue ? sendQueue?.url : queueUrl;
    if (url && failed.length > 0) {
      const attempt = Math.max(
        ...failed.map((f) => Number(f.record.attributes.ApproximateReceiveCount) || 1),
      );
      await redeliverAfter(
        url,
        failed.map((f) => f.record.receiptHandle),
        backoffSeconds(attempt),
      ).catch((err: unknown) => log.warn("visibility.failed", { err }));
    }
  }
}
