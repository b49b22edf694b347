import type { CallbackQuery, Chat, MessageEntity, PhotoSize, Update, User } from "@grammyjs/types";
import * as v from "valibot";
import type { GroupMode } from "../core/access/settings.ts";
import { type Attachment, type Command, ENVELOPE_VERSION } from "../core/envelope.ts";
import { commandNamed, type Inbound, parseCommand } from "../core/inbound.ts";
import { Int, type TelegramReply } from "./reply.ts";

/**
 * Telegram updates, as far as we read them. The schemas describe only the fields we use (the rest
 * is dropped) and are checked against grammY's Bot API typings below, so a field we read has the
 * type Telegram gives it.
 */

const Size = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));

export const UserSchema = v.object({
  id: Int,
  is_bot: v.boolean(),
  first_name: v.string(),
  last_name: v.optional(v.string()),
  username: v.optional(v.string()),
});

export const ChatSchema = v.object({
  id: Int,
  type: v.picklist(["private", "group", "supergroup", "channel"]),
});

export const EntitySchema = v.object({
  type: v.string(),
  offset: v.pipe(Int, v.minValue(0)),
  length: v.pipe(Int, v.minValue(0)),
  user: v.optional(UserSchema),
});

export const PhotoSizeSchema = v.object({ file_id: v.string(), width: Int, height: Int, file_size: Size });

const FileSchema = v.object({
  file_id: v.string(),
  mime_type: v.optional(v.string()),
  file_size: Size,
  file_name: v.optional(v.string()),
});

export const MessageSchema = v.object({
  message_id: Int,
  date: Int,
  chat: ChatSchema,
  from: v.optional(UserSchema),
  message_thread_id: v.optional(Int),
  is_topic_message: v.optional(v.boolean()),
  text: v.optional(v.string()),
  caption: v.optional(v.string()),
  entities: v.optional(v.array(EntitySchema)),
  caption_entities: v.optional(v.array(EntitySchema)),
  photo: v.optional(v.array(PhotoSizeSchema)),
  voice: v.optional(FileSchema),
  audio: v.optional(FileSchema),
  document: v.optional(FileSchema),
  video: v.optional(FileSchema),
  video_note: v.optional(FileSchema),
  sticker: v.optional(FileSchema),
  reply_to_message: v.optional(v.object({ message_id: Int, from: v.optional(UserSchema) })),
});

/** A press of one of the bot's inline buttons: `data` is the command the button sends (`/allow K7MX2P`). */
export const CallbackQuerySchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  from: UserSchema,
  /** The bot's message the button was under; absent for messages sent via inline mode. */
  message: v.optional(
    v.object({
      message_id: Int,
      chat: ChatSchema,
      message_thread_id: v.optional(Int),
      is_topic_message: v.optional(v.boolean()),
    }),
  ),
  data: v.optional(v.string()),
});

export const UpdateSchema = v.object({
  update_id: Int,
  message: v.optional(MessageSchema),
  callback_query: v.optional(CallbackQuerySchema),
});

export type TelegramUpdate = v.InferOutput<typeof UpdateSchema>;
export type TelegramMessage = v.InferOutput<typeof MessageSchema>;
export type TelegramCallbackQuery = v.InferOutput<typeof CallbackQuerySchema>;

// Compile-time: what we parse is what the Bot API typings say.
type Extends<A extends B, B> = A;
export type _Checks = [
  Extends<
    v.InferOutput<typeof UserSchema>,
    Pick<User, "id" | "is_bot" | "first_name" | "last_name" | "username">
  >,
  Extends<v.InferOutput<typeof ChatSchema>["type"], Chat["type"]>,
  Extends<
    Pick<MessageEntity, "offset" | "length">,
    Omit<v.InferOutput<typeof EntitySchema>, "type" | "user">
  >,
  Extends<
    v.InferOutput<typeof PhotoSizeSchema>,
    Pick<PhotoSize, "file_id" | "width" | "height" | "file_size">
  >,
  Extends<Update["update_id"], TelegramUpdate["update_id"]>,
  Extends<Pick<CallbackQuery, "id" | "data">, Pick<TelegramCallbackQuery, "id" | "data">>,
];

/** Who we are, to tell whether a group message is addressed to us. */
export interface BotIdentity {
  readonly id: number;
  /** Without the @; undefined when unknown (then only replies and commands address us). */
  readonly username: string | undefined;
}

function attachmentsOf(message: TelegramMessage): Attachment[] {
  const out: Attachment[] = [];
  const largest = message.photo?.at(-1);
  if (largest) out.push({ kind: "image", id: largest.file_id, mime: "image/jpeg", size: largest.file_size });
  const files = [
    ["voice", message.voice],
    ["audio", message.audio],
    ["document", message.document],
    ["video", message.video],
    ["video", message.video_note],
    ["sticker", message.sticker],
  ] as const;
  for (const [kind, file] of files) {
    if (file)
      out.push({ kind, id: file.file_id, mime: file.mime_type, size: file.file_size, name: file.file_name });
  }
  return out.map(
    (a) => Object.fromEntries(Object.entries(a).filter(([, value]) => value !== undefined)) as Attachment,
  );
}

/** True when answering this message needs the bot's username (a group message naming some bot). */
export function needsUsername(update: TelegramUpdate): boolean {
  const message = update.message;
  if (!message || message.chat.type === "private") return false;
  const text = message.text ?? message.caption ?? "";
  return (message.entities ?? message.caption_entities ?? []).some(
    (e) =>
      e.type === "mention" ||
      (e.type === "bot_command" && text.slice(e.offset, e.offset + e.length).includes("@")),
  );
}

/**
 * Turns an update into an envelope. Private chats are always answered; in groups the bot answers
 * only when mentioned, replied to, or given one of its commands, and with `groupPolicy` `always` every
 * other group message goes on too, marked not addressed (the worker answers it where the group answers
 * always). A press of one of the bot's buttons is the command the button sends. Bots, edits, channel posts
 * and service messages are ignored (answered 200, so Telegram does not retry them).
 */
export function toEnvelope(
  update: TelegramUpdate,
  bot: BotIdentity,
  now = Date.now(),
  groupPolicy: GroupMode = "mention",
): Inbound {
  if (update.callback_query) return pressed(update.update_id, update.callback_query, now);
  const message = update.message;
  if (!message) return { ignored: "not a new message" };
  const from = message.from;
  if (!from) return { ignored: "no sender" };
  if (from.is_bot) return { ignored: "sent by a bot" };
  if (message.chat.type === "channel") return { ignored: "channel post" };

  let text = message.text ?? message.caption ?? "";
  const entities = message.entities ?? message.caption_entities ?? [];
  const isPrivate = message.chat.type === "private";
  const me = bot.username?.toLowerCase();
  const slice = (e: { offset: number; length: number }) => text.slice(e.offset, e.offset + e.length);

  let command: Command | undefined;
  let commandForUs = false;
  const first = entities[0];
  if (first?.type === "bot_command" && first.offset === 0) {
    const [name = "", target] = slice(first).slice(1).toLowerCase().split("@");
    if (target !== undefined && target !== me) return { ignored: "command for another bot" };
    command = commandNamed(name);
    commandForUs = target !== undefined || command !== undefined;
    if (command) text = text.slice(first.length).trim();
  }
  const mentions = entities.filter(
    (e) =>
      (e.type === "mention" && me !== undefined && slice(e).toLowerCase() === `@${me}`) ||
      e.user?.id === bot.id,
  );
  const repliedTo = message.reply_to_message?.from?.id === bot.id;
  const addressed = isPrivate || commandForUs || mentions.length > 0 || repliedTo;
  if (!addressed && groupPolicy !== "always") return { ignored: "group message not addressed to the bot" };
  if (!command) {
    // Drop "@bot" mentions from the prompt; text mentions (no username) keep the name.
    for (const e of [...mentions].reverse()) {
      if (e.type !== "mention") continue;
      const before = text.slice(0, e.offset);
      const after = text.slice(e.offset + e.length);
      text = before.endsWith(" ") && after.startsWith(" ") ? before + after.slice(1) : before + after;
    }
    text = text.trim();
  }

  const threadId = message.is_topic_message ? message.message_thread_id : undefined;
  const name = [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username;
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "telegram",
      eventId: String(update.update_id),
      conversation: String(message.chat.id),
      ...(threadId === undefined ? {} : { thread: String(threadId) }),
      user: { id: String(from.id), ...(name ? { name } : {}) },
      ...(isPrivate ? {} : { group: true }),
      ...(addressed ? {} : { addressed: false }),
      text,
      ...(command ? { command } : {}),
      attachments: attachmentsOf(message),
      reply: {
        chatId: message.chat.id,
        messageId: message.message_id,
        ...(threadId === undefined ? {} : { threadId }),
        private: isPrivate,
      } satisfies TelegramReply,
      receivedAt: now,
    },
  };
}

/**
 * A press of one of the bot's inline buttons, as the command its data holds, from the user who pressed it
 * in the chat of the message it is under (answered there). Presses without a command, from bots, or under
 * messages sent via inline mode are ignored.
 */
function pressed(updateId: number, query: TelegramCallbackQuery, now: number): Inbound {
  const { from, message } = query;
  if (from.is_bot) return { ignored: "pressed by a bot" };
  if (!message) return { ignored: "a button under an inline message" };
  const typed = parseCommand(query.data ?? "");
  if (!typed) return { ignored: "a button without a command" };
  const threadId = message.is_topic_message ? message.message_thread_id : undefined;
  const isPrivate = message.chat.type === "private";
  const name = [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username;
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "telegram",
      eventId: String(updateId),
      conversation: String(message.chat.id),
      ...(threadId === undefined ? {} : { thread: String(threadId) }),
      user: { id: String(from.id), ...(name ? { name } : {}) },
      ...(isPrivate ? {} : { group: true }),
      text: typed.text,
      command: typed.command,
      attachments: [],
      reply: {
        chatId: message.chat.id,
        messageId: message.message_id,
        ...(threadId === undefined ? {} : { threadId }),
        private: isPrivate,
      } satisfies TelegramReply,
      receivedAt: now,
    },
  };
}
