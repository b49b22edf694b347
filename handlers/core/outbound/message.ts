import * as v from "valibot";
import { AgentFileSchema, MAX_FILES } from "../agent/files.ts";
import { sha256Hex } from "../crypto.ts";
import { conversationKey } from "../envelope.ts";
import { fifoId } from "../queue.ts";

/**
 * A message the agent starts (a notification, a late answer, a schedule's result): what a caller puts on
 * a channel's send queue (`send_queue_url`) and the channel's worker delivers like an answer, with the same
 * rendering, splitting and send ledger. The JSON shape is a contract for agents in any language
 * (docs/outbound.md):
 *
 * ```json
 * { "channel": "telegram", "conversation": "123456789", "thread": "7", "text": "Your report is ready.",
 *   "idempotencyKey": "report-2026-12-02" }
 * ```
 *
 * `conversation` and `thread` are the ones the agent received in its payload. `idempotencyKey` names the
 * message: the same key again (a caller's retry) is delivered once. WhatsApp Cloud only: `template`, sent
 * instead when WhatsApp refuses free-form text outside the 24-hour customer service window.
 */

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

/** An approved WhatsApp message template: its name, language and the body's `{{n}}` parameters, in order. */
export const TemplateSchema = v.object({
  name: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9_]{1,512}$/, "a template name is lowercase letters, digits and _"),
  ),
  /** The template's language code as approved, e.g. `en_US`. */
  language: v.pipe(v.string(), v.regex(/^[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})?$/, "a language code like en_US")),
  parameters: v.optional(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))), []),
});

/** A file to send after the text: the same shape as a file of the agent's answer (docs/agent-contract.md). */
export const OutboundAttachmentSchema = AgentFileSchema;

/** Longest text an outbound message may carry (the send ledger keeps up to ~300 KB per reply). */
export const MAX_OUTBOUND_TEXT = 100_000;

export const OutboundMessageSchema = v.pipe(
  v.object({
    channel: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/)),
    conversation: Id,
    thread: v.optional(Id),
    text: v.pipe(v.string(), v.maxLength(MAX_OUTBOUND_TEXT)),
    attachments: v.optional(v.pipe(v.array(OutboundAttachmentSchema), v.maxLength(MAX_FILES))),
    idempotencyKey: Id,
    template: v.optional(TemplateSchema),
  }),
  v.check(
    (m) => m.text.trim() !== "" || m.template !== undefined || (m.attachments?.length ?? 0) > 0,
    "text is empty",
  ),
);

export type OutboundMessage = v.InferOutput<typeof OutboundMessageSchema>;
/** What callers write: `template.parameters` may be left out. */
export type OutboundInput = v.InferInput<typeof OutboundMessageSchema>;
export type Template = v.InferOutput<typeof TemplateSchema>;

/** Parses a send queue message body, or gives the reason it is not an outbound message. */
export function parseOutbound(
  body: string,
): { ok: true; message: OutboundMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const result = v.safeParse(OutboundMessageSchema, json);
  if (result.success) return { ok: true, message: result.output };
  const issue = result.issues[0];
  return { ok: false, reason: `${v.getDotPath(issue) || "message"}: ${issue.message}` };
}

/**
 * The send ledger's key of an outbound message: `<channel>:out:<40 hex digits of sha256(idempotencyKey)>`,
 * so any key fits (and the WhatsApp ingress's `whatsapp:*` grant still records its delivery statuses).
 */
export function outboundId(message: Pick<OutboundMessage, "channel" | "idempotencyKey">): string {
  return `${message.channel}:out:${sha256Hex(message.idempotencyKey).slice(0, 40)}`;
}

/** MessageGroupId of an outbound message: its conversation (`channel:conversation[:thread]`), as the main queue's. */
export function outboundGroupId(
  message: Pick<OutboundMessage, "channel" | "conversation" | "thread">,
): string {
  return fifoId(conversationKey(message));
}

/** MessageDeduplicationId: `channel:idempotencyKey`, so SQS drops a caller's retry within its 5 minutes. */
export function outboundDeduplicationId(
  message: Pick<OutboundMessage, "channel" | "idempotencyKey">,
): string {
  return fifoId(`${message.channel}:${message.idempotencyKey}`);
}
