import * as v from "valibot";
import { TemplateSchema } from "../outbound/message.ts";

/**
 * A scheduled invocation: what an EventBridge Scheduler schedule of a channel module (its `schedules`
 * input) puts on the channel's main queue at each firing, so the worker asks the agent the schedule's
 * fixed prompt in the schedule's conversation and delivers the answer like any other (docs/outbound.md
 * "Schedules"). The module writes the JSON with the scheduler's context attribute left for it to fill:
 *
 * ```json
 * { "kind": "schedule", "v": 1, "channel": "telegram", "name": "morning", "conversation": "123456789",
 *   "thread": null, "prompt": "Summarise my day", "template": null, "time": "<aws.scheduler.scheduled-time>" }
 * ```
 *
 * `template` (null when the schedule has none): WhatsApp Cloud's approved template `{ name, language,
 * parameters }`, sent instead of the answer when WhatsApp refuses free-form text outside the 24-hour window
 * (error 131047), its parameters as given; the other channels ignore it.
 *
 * EventBridge Scheduler replaces `<aws.scheduler.scheduled-time>` with the firing's time
 * (`2026-12-02T07:00:00Z`): one body per firing, so the queue's content-based deduplication drops the
 * scheduler's own retries of a firing, and the send ledger (keyed by name and time) drops any later one.
 */

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

/** Longest prompt a schedule may carry (the module's validation says the same). */
export const MAX_SCHEDULE_PROMPT = 4000;

export const ScheduledInvocationSchema = v.object({
  kind: v.literal("schedule"),
  v: v.literal(1),
  channel: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/)),
  /** The schedule's name (EventBridge Scheduler's rule: 1–64 of letters, digits, `-`, `_`, `.`). */
  name: v.pipe(v.string(), v.regex(/^[0-9A-Za-z_.-]{1,64}$/)),
  conversation: Id,
  thread: v.nullish(Id),
  prompt: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_SCHEDULE_PROMPT)),
  /** WhatsApp Cloud: the approved template sent when the answer is refused outside the 24-hour window. */
  template: v.nullish(TemplateSchema),
  /** When the firing was due, as the scheduler says it (ISO 8601, UTC). */
  time: v.pipe(v.string(), v.isoTimestamp()),
});

export type ScheduledInvocation = v.InferOutput<typeof ScheduledInvocationSchema>;

/**
 * Reads a main queue message body as a scheduled invocation: undefined when it is not one (an envelope,
 * anything without `"kind": "schedule"`), else the invocation or the reason it is not a valid one.
 */
export function parseScheduled(
  body: string,
): { ok: true; invocation: ScheduledInvocation } | { ok: false; reason: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || (json as { kind?: unknown }).kind !== "schedule")
    return undefined;
  const result = v.safeParse(ScheduledInvocationSchema, json);
  if (result.success) return { ok: true, invocation: result.output };
  const issue = result.issues[0];
  return { ok: false, reason: `${v.getDotPath(issue) || "schedule"}: ${issue.message}` };
}

/**
 * The event id of a firing, `schedule:<name>:<time>`: the agent's `messageId` and, with the channel, the
 * send ledger's key, so a firing is answered once however often it arrives.
 */
export function scheduledEventId(invocation: Pick<ScheduledInvocation, "name" | "time">): string {
  return `schedule:${invocation.name}:${invocation.time}`;
}
