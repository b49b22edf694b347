import type { Outbox } from "../adapter.ts";
import type { Outcome } from "../batch.ts";
import { AgentError, ConfigError, isRetryable, PlatformError } from "../errors.ts";
import { log } from "../log.ts";
import { notices } from "../notices.ts";
import { sendAnswer } from "../reply/send.ts";
import type { Received } from "./receive.ts";

/** What the failure step needs to know besides the error. */
export interface Attempt<Reply> {
  readonly message: Received<Reply>;
  /** The channel's outbox, when it was reached: only then can the user be told. */
  readonly box: Outbox<Reply> | undefined;
  /** Whether this is the queue's last delivery of the message (then it goes to the DLQ). */
  readonly lastAttempt: boolean;
  readonly deadline: number;
}

/** Whether the platform refused our credentials: the secret is read anew for the next attempt. */
export function credentialsRefused(err: unknown): boolean {
  return err instanceof PlatformError && err.status === 401;
}

/**
 * Step 4: what a failed attempt becomes. A retryable failure (and a configuration error, which keeps
 * the message for a redrive once fixed) comes back from SQS; anything else is given up on. The user
 * hears once that we gave up: on the last attempt, or at once when a retry cannot help the agent. A
 * platform that refuses us for good (blocked, no such chat) is not our failure and gets nothing. A
 * notice that cannot be delivered keeps the message (retried, then the DLQ) rather than drop it unsaid.
 */
export async function handleFailure<Reply>(err: unknown, attempt: Attempt<Reply>): Promise<Outcome> {
  const { message, box, lastAttempt, deadline } = attempt;
  const retryable = isRetryable(err) || err instanceof ConfigError;
  const final = !retryable || lastAttempt;
  const refused = err instanceof PlatformError && !retryable;
  log[final && !refused ? "error" : "warn"](refused ? "message.undeliverable" : "message.failed", {
    envelopeId: message.id,
    attempt: message.attempt,
    final,
    err,
  });
  if (box && final && (retryable || err instanceof AgentError)) {
    const told = await sendAnswer(box, message.reply, notices.failed, { deadline }).then(
      () => true,
      (noticeErr: unknown) => {
        log.warn("notice.failed", { envelopeId: message.id, err: noticeErr });
        return false;
      },
    );
    if (!told && !retryable) return "retry";
  }
  return retryable ? "retry" : "done";
}
