import * as v from "valibot";

/**
 * The Envelope: what the ingress puts on SQS and the worker takes off it. One shape for every
 * channel; what only one platform needs to answer lives in `reply`, which that channel's
 * adapter validates with its own schema. Bump `v` on any incompatible change.
 */

/** Current envelope version. */
export const ENVELOPE_VERSION = 1;

/**
 * What a message carried besides text: metadata, never the bytes. The ingress sets the platform's
 * fields; where the file is once fetched (`url`, `s3`) or why it was not (`skipped`) is added by the
 * worker for the agent (core/media/attach.ts), or `s3` by the relay for a file only it can read.
 */
export const AttachmentSchema = v.object({
  kind: v.picklist(["image", "audio", "voice", "video", "document", "sticker", "other"]),
  /** The platform's file id (Telegram file_id, WhatsApp media id, a URL for Slack/Discord). */
  id: v.pipe(v.string(), v.minLength(1)),
  /** The type as the platform states it (never guessed from the file name). */
  mime: v.optional(v.string()),
  size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  name: v.optional(v.string()),
  /** A short-lived presigned HTTPS GET URL of the stored file. */
  url: v.optional(v.string()),
  /** The stored file, `s3://bucket/key`. */
  s3: v.optional(v.string()),
  /** Why the file was not fetched: `too large`, `too many`, `not available`, `download failed`, `media off`. */
  skipped: v.optional(v.picklist(["too large", "too many", "not available", "download failed", "media off"])),
});

/**
 * Commands every channel understands: `help` (or /start) and `new` (a fresh agent session); and the
 * admins' (handlers/core/access): `allow` and `deny` (a pairing code), `users`, `revoke` (a user or group
 * id), `group` (`always` or `mention`, in a group).
 */
export const CommandSchema = v.picklist(["help", "new", "allow", "deny", "users", "revoke", "group"]);

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

export const EnvelopeSchema = v.object({
  v: v.literal(ENVELOPE_VERSION),
  /** Channel name, e.g. `telegram`: selects the adapter. */
  channel: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/)),
  /** The platform's id of this event (update_id, event_id, interaction id, wamid): the dedup key. */
  eventId: Id,
  /** The conversation (chat, channel, DM): one agent session and one ordered queue group. */
  conversation: Id,
  /** A thread or topic inside the conversation, when the platform has them. */
  thread: v.optional(Id),
  user: v.object({ id: Id, name: v.optional(v.string()) }),
  /** The conversation has members besides the sender and the bot (a group, a server channel). */
  group: v.optional(v.boolean()),
  /**
   * False for a group message that neither mentions the bot nor replies to it: an ingress forwards those
   * only with `GROUP_POLICY=always`, and the worker answers them only in a group that answers always.
   */
  addressed: v.optional(v.boolean()),
  /** The user's text (caption for media); may be empty when only attachments came. */
  text: v.string(),
  command: v.optional(CommandSchema),
  attachments: v.array(AttachmentSchema),
  /** What the channel needs to answer (chat id, message id, interaction token …). */
  reply: v.record(v.string(), v.unknown()),
  /** When the ingress accepted it, ms since the epoch. */
  receivedAt: v.pipe(v.number(), v.integer()),
});

export type Envelope = v.InferOutput<typeof EnvelopeSchema>;
export type Attachment = v.InferOutput<typeof AttachmentSchema>;
export type Command = v.InferOutput<typeof CommandSchema>;

/** The id logs use for an envelope: `channel:eventId`. */
export function envelopeId(envelope: Pick<Envelope, "channel" | "eventId">): string {
  return `${envelope.channel}:${envelope.eventId}`;
}

/** The conversation key: one agent session and one FIFO group per value. */
export function conversationKey(envelope: Pick<Envelope, "channel" | "conversation" | "thread">): string {
  const base = `${envelope.channel}:${envelope.conversation}`;
  return envelope.thread === undefined ? base : `${base}:${envelope.thread}`;
}

/** Parses an SQS message body into an Envelope, or gives the reason it is not one. */
export function parseEnvelope(
  body: string,
): { ok: true; envelope: Envelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const result = v.safeParse(EnvelopeSchema, json);
  if (result.success) return { ok: true, envelope: result.output };
  const issue = result.issues[0];
  return { ok: false, reason: `${v.getDotPath(issue) || "envelope"}: ${issue.message}` };
}
