import type { proto, WAMessage } from "baileys";
import * as v from "valibot";
import { sha256Hex } from "../../handlers/core/crypto.ts";
import { type Attachment, ENVELOPE_VERSION } from "../../handlers/core/envelope.ts";
import { type Inbound, parseCommand } from "../../handlers/core/inbound.ts";
import { QUOTE_PREVIEW_LENGTH, type WhatsAppPersonalReply } from "../../handlers/whatsapp-personal/reply.ts";
import type { WhatsAppAccess } from "./access.ts";
import { bareJid, isGroupJid, jidUser } from "./jid.ts";

/**
 * Baileys messages (WhatsApp's protobuf `WebMessageInfo`, decoded), as far as the relay reads them:
 * the schemas take only what we use, and are checked against Baileys' typings below. Media become
 * metadata only (kind, type, size, name, and the message id as the reference the relay can download
 * it by); the bytes stay on WhatsApp.
 */

const Text = v.optional(v.nullable(v.string()));
/** protobuf int64: a number, a decimal string, or a Long object. */
const Int64 = v.optional(
  v.nullable(
    v.union([
      v.number(),
      v.pipe(v.string(), v.regex(/^\d+$/)),
      v.object({ low: v.number(), high: v.number(), unsigned: v.optional(v.boolean()) }),
    ]),
  ),
);

const ContextInfoSchema = v.optional(
  v.nullable(
    v.object({
      mentionedJid: v.optional(v.nullable(v.array(v.string()))),
    }),
  ),
);

const MediaSchema = v.optional(
  v.nullable(
    v.object({
      mimetype: Text,
      fileLength: Int64,
      caption: Text,
      fileName: Text,
      ptt: v.optional(v.nullable(v.boolean())),
      contextInfo: ContextInfoSchema,
    }),
  ),
);

interface ContentInput {
  conversation?: string | null;
  extendedTextMessage?: { text?: string | null; contextInfo?: unknown } | null;
  [key: string]: unknown;
}

const Wrapper = v.optional(
  v.nullable(v.object({ message: v.optional(v.nullable(v.lazy(() => ContentSchema))) })),
);

export const ContentSchema: v.GenericSchema<ContentInput, Content> = v.object({
  conversation: Text,
  extendedTextMessage: v.optional(v.nullable(v.object({ text: Text, contextInfo: ContextInfoSchema }))),
  imageMessage: MediaSchema,
  videoMessage: MediaSchema,
  audioMessage: MediaSchema,
  documentMessage: MediaSchema,
  stickerMessage: MediaSchema,
  // Containers WhatsApp wraps a message in (disappearing, view once, document with caption).
  ephemeralMessage: Wrapper,
  viewOnceMessage: Wrapper,
  viewOnceMessageV2: Wrapper,
  documentWithCaptionMessage: Wrapper,
}) as unknown as v.GenericSchema<ContentInput, Content>;

type Media = v.InferOutput<typeof MediaSchema>;
type ContextInfo = v.InferOutput<typeof ContextInfoSchema>;

/** A message's content, with the containers that can hold another message. */
export interface Content {
  conversation?: string | null;
  extendedTextMessage?: { text?: string | null; contextInfo?: ContextInfo } | null;
  imageMessage?: Media;
  videoMessage?: Media;
  audioMessage?: Media;
  documentMessage?: Media;
  stickerMessage?: Media;
  ephemeralMessage?: { message?: Content | null } | null;
  viewOnceMessage?: { message?: Content | null } | null;
  viewOnceMessageV2?: { message?: Content | null } | null;
  documentWithCaptionMessage?: { message?: Content | null } | null;
}

export const KeySchema = v.object({
  remoteJid: v.pipe(v.string(), v.minLength(3)),
  fromMe: v.optional(v.nullable(v.boolean())),
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  participant: Text,
  /**
   * Baileys 7, from WhatsApp's servers: the sender's other JID — the phone number when the message is
   * addressed by hidden id (LID), the hidden id when it is addressed by phone number — when known.
   */
  remoteJidAlt: v.optional(v.string()),
  participantAlt: v.optional(v.string()),
});

export const MessageSchema = v.object({
  key: KeySchema,
  message: v.optional(v.nullable(ContentSchema)),
  pushName: Text,
});

export type WhatsAppMessage = v.InferOutput<typeof MessageSchema>;

// Compile-time: the fields we read have the types Baileys gives them.
type Extends<A extends B, B> = A;
export type _Checks = [
  Extends<
    Pick<WAMessage["key"], "remoteJidAlt" | "participantAlt">,
    Pick<WhatsAppMessage["key"], "remoteJidAlt" | "participantAlt">
  >,
  Extends<NonNullable<WAMessage["pushName"]>, string>,
  Extends<NonNullable<proto.IMessage["conversation"]>, string>,
  Extends<NonNullable<proto.Message.IImageMessage["mimetype"]>, string>,
  Extends<NonNullable<proto.Message.IAudioMessage["ptt"]>, boolean>,
  Extends<NonNullable<proto.IContextInfo["mentionedJid"]>, string[]>,
];

/** Who the relay is on WhatsApp: its phone-number JID and its hidden id (LID), device suffix allowed. */
export interface Me {
  readonly id: string;
  readonly lid?: string;
}

/** The message inside WhatsApp's containers (disappearing, view once, document with caption). */
export function unwrap(content: Content): Content {
  let current = content;
  for (let depth = 0; depth < 4; depth++) {
    const inner =
      current.ephemeralMessage?.message ??
      current.viewOnceMessage?.message ??
      current.viewOnceMessageV2?.message ??
      current.documentWithCaptionMessage?.message;
    if (!inner) break;
    current = inner;
  }
  return current;
}

function int(value: v.InferOutput<typeof Int64>): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object") return value.high * 2 ** 32 + (value.low >>> 0);
  return Number(value);
}

function attachmentsOf(content: Content, messageId: string): Attachment[] {
  const media: [Attachment["kind"], Media][] = [
    ["image", content.imageMessage],
    ["video", content.videoMessage],
    [content.audioMessage?.ptt ? "voice" : "audio", content.audioMessage],
    ["document", content.documentMessage],
    ["sticker", content.stickerMessage],
  ];
  const out: Attachment[] = [];
  for (const [kind, m] of media) {
    if (!m) continue;
    const size = int(m.fileLength);
    out.push({
      kind,
      id: messageId,
      ...(m.mimetype ? { mime: m.mimetype } : {}),
      ...(size === undefined ? {} : { size }),
      ...(m.fileName ? { name: m.fileName } : {}),
    });
  }
  return out;
}

/**
 * Turns a Baileys message into an envelope. A sender outside the allowlist is dropped first, before
 * anything else is read (see access.ts). Direct chats with an allowed sender are always answered; in
 * groups only a message that @mentions this account or starts with the configured trigger (a reply to
 * one of the owner's messages is not addressed to the bot: people answer the owner, not the agent).
 * Our own messages, status updates, channels, broadcasts, reactions and protocol messages are ignored.
 */
export function toEnvelope(
  message: WhatsAppMessage,
  me: Me,
  access: WhatsAppAccess,
  now = Date.now(),
): Inbound {
  const { key } = message;
  if (key.fromMe) return { ignored: "sent by this account" };
  const chat = key.remoteJid;
  if (/@(?:broadcast|newsletter)$/.test(chat)) return { ignored: "status, broadcast or channel" };
  const group = isGroupJid(chat);
  const sender = group ? key.participant : chat;
  if (!sender) return { ignored: "no sender" };
  const userId = access.allowedAs([sender, group ? key.participantAlt : key.remoteJidAlt]);
  if (userId === undefined) return { ignored: "sender not on the allowlist" };

  if (!message.message) return { ignored: "no content" };
  const content = unwrap(message.message);
  const text = content.conversation ?? content.extendedTextMessage?.text ?? captionOf(content) ?? "";
  const attachments = attachmentsOf(content, key.id);
  if (text.trim() === "" && attachments.length === 0) return { ignored: "not a text or media message" };

  const ours = new Set([bareJid(me.id), ...(me.lid ? [bareJid(me.lid)] : [])]);
  const mentioned = (contextOf(content)?.mentionedJid ?? []).some((jid) => ours.has(bareJid(jid)));
  // Mentions appear in the text as "@<user part>"; drop ours.
  let prompt = text;
  for (const user of [...ours].map(jidUser).filter(Boolean)) {
    prompt = prompt.replace(new RegExp(`@${user}\\b`, "g"), " ");
  }
  prompt = prompt.replace(/[ \t]{2,}/g, " ").trim();
  const { trigger } = access;
  const triggered = trigger !== undefined && startsWithWord(prompt, trigger);
  if (group && !mentioned && !triggered) return { ignored: "group message not addressed to this account" };
  if (triggered) prompt = prompt.slice(trigger.length).trim();
  const command = parseCommand(prompt);

  const name = message.pushName?.trim();
  const reply: WhatsAppPersonalReply = {
    chatJid: chat,
    messageId: key.id,
    ...(group
      ? { participant: sender, quotedText: Array.from(text).slice(0, QUOTE_PREVIEW_LENGTH).join("") }
      : {}),
    group,
  };
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "whatsapp-personal",
      eventId: eventIdOf(chat, sender, key.id),
      conversation: chat,
      user: { id: userId, ...(name ? { name } : {}) },
      ...(group ? { group: true } : {}),
      text: command ? command.text : prompt,
      ...(command ? { command: command.command } : {}),
      attachments,
      reply,
      receivedAt: now,
    },
  };
}

/**
 * The envelope's event id (the queue's deduplication id and the send ledger's key). WhatsApp's message
 * id (`key.id`) is chosen by the sender's device, so alone it would let anyone reuse another chat's id:
 * get a later message dropped as a duplicate, or be sent the rest of someone else's stored answer. It
 * is scoped to the chat and the sender: `<key.id>:<16 hex of the SHA-256 of chat and sender>` (no
 * phone number in the logs).
 */
export function eventIdOf(chat: string, sender: string, messageId: string): string {
  return `${messageId}:${sha256Hex(JSON.stringify([chat, bareJid(sender)])).slice(0, 16)}`;
}

/** Whether `text` starts with `word` (in any case) followed by a space or nothing. */
function startsWithWord(text: string, word: string): boolean {
  const next = text.charAt(word.length);
  return text.slice(0, word.length).toLowerCase() === word && (next === "" || /\s/.test(next));
}

function captionOf(content: Content): string | undefined {
  return (
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.documentMessage?.caption ??
    undefined
  );
}

function contextOf(content: Content): ContextInfo {
  return (
    content.extendedTextMessage?.contextInfo ??
    content.imageMessage?.contextInfo ??
    content.videoMessage?.contextInfo ??
    content.documentMessage?.contextInfo ??
    content.audioMessage?.contextInfo ??
    content.stickerMessage?.contextInfo
  );
}
