import type { Button, FilePart, Outbox, Streaming } from "../core/adapter.ts";
import { sha256Hex } from "../core/crypto.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import type { TelegramCall } from "./api.ts";
import { markdownToTelegramHtml } from "./format.ts";
import type { TelegramReply } from "./reply.ts";

/** sendMessage takes at most 4096 characters after entity parsing. */
export const TELEGRAM_LIMIT = 4096;

/**
 * How answers show while the agent writes them (`TELEGRAM_STREAM`): `draft` (the default) as a draft in
 * private chats (sendMessageDraft, the Bot API's own streaming), `edit` as a message edited as it grows,
 * `off` whole once written. Groups, supergroups and their topics take no drafts: edits there either way.
 */
export const TELEGRAM_STREAM_MODES = ["draft", "edit", "off"] as const;
export type TelegramStreamMode = (typeof TELEGRAM_STREAM_MODES)[number];

/**
 * The pace of each way of streaming (handlers/telegram/README.md): drafts are not limited by the Bot API's
 * documentation and expire 30 s after the last update; messages (edits included, we assume) at about one a
 * second per chat and twenty a minute per group.
 */
export const TELEGRAM_STREAMING = {
  draft: { mode: "draft", everyMs: 500, keepAliveMs: 20_000 },
  privateEdit: { mode: "edit", everyMs: 1_100 },
  groupEdit: { mode: "edit", everyMs: 3_100 },
} as const satisfies Record<string, Streaming>;

/** A caption takes at most 1024 characters. */
const CAPTION_LIMIT = 1024;
/** Photos the Bot API takes by upload: at most 10 MB (bigger ones go as documents). */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

/** The Bot API method and its file field for a kind of file (sendPhoto, sendVoice, sendAudio, sendVideo, sendDocument). */
export function fileMethod(file: Pick<FilePart, "kind" | "bytes">): { method: string; field: string } {
  if (file.kind === "image" && file.bytes.byteLength <= PHOTO_MAX_BYTES)
    return { method: "sendPhoto", field: "photo" };
  if (file.kind === "voice") return { method: "sendVoice", field: "voice" };
  if (file.kind === "audio") return { method: "sendAudio", field: "audio" };
  if (file.kind === "video") return { method: "sendVideo", field: "video" };
  return { method: "sendDocument", field: "document" };
}

/**
 * Which files share an album (sendMediaGroup): photos and videos together, audio only with audio,
 * documents only with documents; voice notes never.
 */
export function albumKind(file: Pick<FilePart, "kind" | "bytes">): string | undefined {
  const { field } = fileMethod(file);
  if (field === "voice") return undefined;
  return field === "photo" || field === "video" ? "media" : field;
}

/** An album holds 2 to 10 files. */
const ALBUM_MAX = 10;

/** Telegram's 400 when our HTML does not parse: resend as plain text. */
function rejectedEntities(error: unknown): boolean {
  return error instanceof PlatformError && error.status === 400 && /can't parse entities/i.test(error.reason);
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&amp;": "&" };

/** Telegram HTML → the same text without markup (never longer than the HTML). */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:lt|gt|quot|amp);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** Telegram's 400 for an edit to the text a message already has: what the edit wanted, done. */
function notModified(error: unknown): boolean {
  return (
    error instanceof PlatformError && error.status === 400 && /message is not modified/i.test(error.reason)
  );
}

/** The draft id of part `index` of reply `key`: non-zero, the same for every update of that part. */
export function draftId(key: string | undefined, index: number): number {
  return (Number.parseInt(sha256Hex(`${key ?? ""}#${index}`).slice(0, 8), 16) % 2_147_483_646) + 1;
}

/** The buttons of a message as an inline keyboard (one row); a command over 64 bytes cannot be callback data. */
export function inlineKeyboard(buttons: readonly Button[]) {
  const row = buttons
    .filter((b) => Buffer.byteLength(b.command) <= 64)
    .map((b) => ({ text: b.label, callback_data: b.command }));
  return row.length === 0 ? undefined : { inline_keyboard: [row] };
}

/**
 * The Bot API as an outbox: HTML split at 4096, replies to the user's message in groups; streamed as
 * drafts in private chats and as edited messages in groups (`mode`, see {@link TELEGRAM_STREAM_MODES}).
 * The Bot API has no idempotency key and no way to read the chat, so a part whose earlier send has an
 * unknown outcome is sent again (no lookup). Buttons are an inline keyboard; a user's private chat has their
 * user id as chat id, so `direct` needs no call (the message fails if they never started the bot).
 */
export function telegramOutbox(
  call: TelegramCall,
  mode: TelegramStreamMode = "draft",
): Outbox<TelegramReply> {
  const where = (reply: TelegramReply) => ({
    chat_id: reply.chatId,
    ...(reply.threadId === undefined ? {} : { message_thread_id: reply.threadId }),
  });
  /** Calls `method` with the part's HTML; HTML Telegram rejects goes again as plain text. */
  const withText = async <T>(method: string, reply: TelegramReply, params: object, html: string) => {
    try {
      return await call<T>(method, { ...params, text: html, parse_mode: "HTML" });
    } catch (error) {
      if (!rejectedEntities(error)) throw error;
      log.warn("telegram.html_rejected", { chatId: reply.chatId, reason: (error as PlatformError).reason });
      return await call<T>(method, { ...params, text: htmlToText(html) });
    }
  };
  return {
    render: markdownToTelegramHtml,
    limit: TELEGRAM_LIMIT,
    async typing(reply) {
      await call("sendChatAction", { ...where(reply), action: "typing" });
    },
    async direct(userId) {
      return /^\d{1,20}$/.test(userId) ? { chatId: Number(userId), private: true } : undefined;
    },
    async post(reply, part) {
      const keyboard = part.buttons && inlineKeyboard(part.buttons);
      const params = {
        ...where(reply),
        ...(part.index === 0 && !reply.private && reply.messageId !== undefined
          ? { reply_parameters: { message_id: reply.messageId, allow_sending_without_reply: true } }
          : {}),
        ...(keyboard ? { reply_markup: keyboard } : {}),
      };
      const sent = await withText<{ message_id?: number }>("sendMessage", reply, params, part.text);
      return sent?.message_id === undefined ? undefined : String(sent.message_id);
    },
    async file(reply, file) {
      const { method, field } = fileMethod(file);
      const upload = (as: { method: string; field: string }) =>
        call<{ message_id?: number }>(as.method, {
          ...where(reply),
          [as.field]: new File([file.bytes as Uint8Array<ArrayBuffer>], file.name, { type: file.mime }),
          ...(file.caption ? { caption: file.caption.slice(0, CAPTION_LIMIT) } : {}),
        });
      let sent: { message_id?: number } | undefined;
      try {
        sent = await upload({ method, field });
      } catch (error) {
        // A photo Telegram will not take as one (dimensions, format): the same file as a document.
        if (method === "sendDocument" || !(error instanceof PlatformError) || error.status !== 400)
          throw error;
        log.warn("telegram.file_as_document", { method, reason: error.reason });
        sent = await upload({ method: "sendDocument", field: "document" });
      }
      return sent?.message_id === undefined ? undefined : String(sent.message_id);
    },
    albums: {
      max: ALBUM_MAX,
      kindOf: albumKind,
      async send(reply, files) {
        // Each file a multipart field of its own, named in the album's InputMedia as attach://<field>.
        const uploads = Object.fromEntries(
          files.map((file, n) => [
            `file${n}`,
            new File([file.bytes as Uint8Array<ArrayBuffer>], file.name, { type: file.mime }),
          ]),
        );
        const media = files.map((file, n) => ({
          type: fileMethod(file).field,
          media: `attach://file${n}`,
          ...(file.caption ? { caption: file.caption.slice(0, CAPTION_LIMIT) } : {}),
        }));
        await call("sendMediaGroup", { ...where(reply), media, ...uploads });
      },
    },
    async edit(reply, ref, part) {
      const params = { chat_id: reply.chatId, message_id: Number(ref) };
      await withText("editMessageText", reply, params, part.text).catch((error: unknown) => {
        if (!notModified(error)) throw error;
      });
    },
    async remove(reply, ref) {
      await call("deleteMessage", { chat_id: reply.chatId, message_id: Number(ref) });
    },
    async draft(reply, part) {
      await withText(
        "sendMessageDraft",
        reply,
        { ...where(reply), draft_id: draftId(part.key, part.index) },
        part.text,
      );
    },
    streaming(reply) {
      if (mode === "off") return undefined;
      if (!reply.private) return TELEGRAM_STREAMING.groupEdit;
      return mode === "draft"
        ? { ...TELEGRAM_STREAMING.draft, fallback: TELEGRAM_STREAMING.privateEdit }
        : TELEGRAM_STREAMING.privateEdit;
    },
  };
}
