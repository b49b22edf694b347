import * as v from "valibot";
import { JidSchema, QUOTE_PREVIEW_LENGTH } from "./reply.ts";

/**
 * The outbound queue between the WhatsApp-personal worker (Lambda, which cannot hold a WhatsApp
 * session) and the relay (which can): one message per text chunk, file or typing indicator, in order per
 * chat (MessageGroupId = chat JID). Bump `v` on any incompatible change.
 */

/** Current outbound message version. */
export const OUTBOUND_VERSION = 1;

/** WhatsApp takes up to 65,536 characters; chunks stay at 4096 so each reads as one message. */
export const WHATSAPP_TEXT_LIMIT = 4096;

export const OutboundTextSchema = v.object({
  v: v.literal(OUTBOUND_VERSION),
  kind: v.literal("text"),
  chatJid: JidSchema,
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(WHATSAPP_TEXT_LIMIT)),
  /** The message this one quotes (first chunk of a group answer). */
  quotedId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  /** The sender of the quoted message, in groups. */
  participant: v.optional(JidSchema),
  /** The start of the quoted message's text, for the quote bubble. */
  quotedText: v.optional(v.pipe(v.string(), v.maxLength(QUOTE_PREVIEW_LENGTH))),
});

/**
 * A file of an answer: the worker stored it in the media bucket (under `outbound/`) and the relay downloads
 * it from `url` (presigned GET, valid MEDIA_URL_SECONDS) to send it through the session.
 */
export const OutboundFileSchema = v.object({
  v: v.literal(OUTBOUND_VERSION),
  kind: v.literal("file"),
  chatJid: JidSchema,
  url: v.pipe(v.string(), v.url(), v.maxLength(8192)),
  mime: v.pipe(v.string(), v.minLength(3), v.maxLength(255)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  /** What WhatsApp shows it as (handlers/core/agent/files.ts `fileKind`). */
  fileKind: v.picklist(["image", "audio", "voice", "video", "document"]),
  caption: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  size: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export const OutboundTypingSchema = v.object({
  v: v.literal(OUTBOUND_VERSION),
  kind: v.literal("typing"),
  chatJid: JidSchema,
});

/** What the worker asks the relay to send. */
export const OutboundSchema = v.variant("kind", [
  OutboundTextSchema,
  OutboundTypingSchema,
  OutboundFileSchema,
]);

export type Outbound = v.InferOutput<typeof OutboundSchema>;
export type OutboundText = v.InferOutput<typeof OutboundTextSchema>;
export type OutboundFile = v.InferOutput<typeof OutboundFileSchema>;

/** Parses an outbound queue message body, or gives the reason it is not one. */
export function parseOutbound(body: string): { ok: true; message: Outbound } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const result = v.safeParse(OutboundSchema, json);
  if (result.success) return { ok: true, message: result.output };
  const issue = result.issues[0];
  return { ok: false, reason: `${v.getDotPath(issue) || "message"}: ${issue.message}` };
}
