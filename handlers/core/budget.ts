import { AsyncLocalStorage } from "node:async_hooks";
import { RelayError } from "./errors.ts";

/**
 * The time budget of the running invocation. Lambda ends an invocation that runs out of time wherever
 * it is, possibly after a platform took a message and before the send ledger recorded it: the next
 * attempt would then not know whether that message arrived. So every platform call made within the
 * budget is cut off (or not started) early enough to leave time for the ledger write, the retry
 * back-off call and the batch response; and AWS calls made in that closing time end before Lambda's.
 */
interface Budget {
  /** Epoch ms after which no platform call runs. */
  readonly callsUntil: number;
  /** Epoch ms at which Lambda ends the invocation. */
  readonly end: number;
}

const current = new AsyncLocalStorage<Budget>();

/** A call (to the platform, to the agent) that would not finish within the invocation's budget was not started. */
export class OutOfTimeError extends RelayError {
  override name = "OutOfTimeError";
  constructor(what = "a platform call") {
    super(`no time left in this invocation for ${what}`, { retryable: true });
  }
}

/** Time kept after the last platform call: a tenth of the invocation, within 0.5–5 s. */
export function closingMs(remainingMs: number): number {
  return Math.min(5_000, Math.max(500, Math.floor(remainingMs / 10)));
}

/** A call is not started with less than this left: it could reach the platform and lose its answer. */
const MIN_CALL_MS = 200;

/**
 * Runs `work` within an invocation that Lambda ends at `end` (epoch ms); `work` is told when its
 * platform calls must be done.
 */
export function withinBudget<T>(end: number, work: (callsUntil: number) => Promise<T>): Promise<T> {
  const callsUntil = end - closingMs(end - Date.now());
  return current.run({ callsUntil, end }, () => work(callsUntil));
}

/**
 * How long one platform call may take: `timeoutMs`, or less when the budget ends sooner. Throws
 * OutOfTimeError (retryable) when too little is left to start the call at all.
 */
export function callTimeoutMs(timeoutMs: number): number {
  const budget = current.getStore();
  if (budget === undefined) return timeoutMs;
  const left = budget.callsUntil - Date.now();
  if (left < MIN_CALL_MS) throw new OutOfTimeError();
  return Math.min(timeoutMs, left);
}

/** The abort signal of one platform call, after {@link callTimeoutMs}. */
export function callSignal(timeoutMs: number): AbortSignal {
  return AbortSignal.timeout(callTimeoutMs(timeoutMs));
}

/** An AWS call in the closing time (a ledger write, a visibility change) answers in milliseconds. */
const AWS_CALL_MS = 5_000;

/**
 * The abort signal of an AWS call in the closing time: `timeoutMs`, ending halfway between the end of
 * the platform calls and Lambda's, so an aborted call still has time to unwind and the handler to return.
 */
export function closingSignal(timeoutMs: number): AbortSignal {
  return AbortSignal.timeout(closingTimeoutMs(timeoutMs));
}

/** How long an AWS call in the closing time may take (see {@link closingSignal}). */
export function closingTimeoutMs(timeoutMs: number): number {
  const budget = current.getStore();
  const left = budget === undefined ? timeoutMs : (budget.callsUntil + budget.end) / 2 - Date.now();
  return Math.max(0, Math.min(timeoutMs, left));
}

/** The SDK options of one AWS call in the closing time (see {@link closingSignal}). */
export function closingCall(): { abortSignal: AbortSignal } {
  return { abortSignal: closingSignal(AWS_CALL_MS) };
}
