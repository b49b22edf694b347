/**
 * Fake Telegram Bot API on loopback. Point `TELEGRAM_API_URL` at `url`; requests go to
 * `POST|GET /bot<token>/<method>` with JSON, urlencoded, multipart or query parameters, as on the real API.
 * Every call is recorded in order; `script()` queues one-shot (or n-shot) replies such as a 429.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  ApiError,
  BotCommand,
  Chat,
  Message,
  MessageEntity,
  Update,
  UserFromGetMe,
  WebhookInfo,
} from "@grammyjs/types";
import { type FileShelf, fileShelf } from "./files.ts";
import {
  CallLog,
  type LoopbackServer,
  listen,
  readBody,
  Script,
  type ScriptOptions,
  sendJson,
  sleep,
} from "./http.ts";
import { parseEntities } from "./telegram-entities.ts";

/** The largest file a bot may download (getFile answers "file is too big" above it). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** Largest upload per kind: photos 10 MB, other files 50 MB (the Bot API's documented limits). */
export const UPLOAD_LIMITS = {
  photo: 10 * 1024 * 1024,
  document: 50 * 1024 * 1024,
  voice: 50 * 1024 * 1024,
  audio: 50 * 1024 * 1024,
  video: 50 * 1024 * 1024,
} as const;

/** The kinds of file a bot uploads, by the Bot API's field name; voice notes never join an album. */
type FileField = keyof typeof UPLOAD_LIMITS;
const MEDIA_TYPES: readonly FileField[] = ["photo", "video", "audio", "document"];

/** The token accepted by default. */
export const DEFAULT_TELEGRAM_TOKEN = "123456789:TEST-fake-telegram-token_0123456789";

/** One recorded Bot API request. */
export interface TelegramCall {
  token: string;
  /** The method as requested (the API matches it case-insensitively). */
  method: string;
  /** Query and body parameters merged; values from forms and queries stay strings, as sent. */
  params: Record<string, unknown>;
  httpMethod: string;
  contentType: string | undefined;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** The response sent (filled once it is decided; undefined while pending or for a dropped connection). */
  response?: { status: number; body: unknown };
}

/** An HTTP answer: status, body (a string is sent as text, anything else as JSON), optional delay. */
export interface TelegramHttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A scripted answer: an HTTP reply, a delay before normal processing, or a dropped connection. */
export type TelegramReply = TelegramHttpReply | { delayMs: number } | { destroy: true };

/** Builders for the error replies the real Bot API sends. */
export const telegramErrors = {
  /** 429 flood control with `parameters.retry_after`. */
  tooManyRequests(retryAfter: number): TelegramHttpReply {
    return apiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  },
  /** 400 entity parsing failure. */
  cantParseEntities(detail = `Unsupported start tag "foo" at byte offset 0`): TelegramHttpReply {
    return apiError(400, `Bad Request: can't parse entities: ${detail}`);
  },
  /** 403 the user blocked the bot. */
  blocked(): TelegramHttpReply {
    return apiError(403, "Forbidden: bot was blocked by the user");
  },
  /** 400 unknown chat. */
  chatNotFound(): TelegramHttpReply {
    return apiError(400, "Bad Request: chat not found");
  },
  /** Any 400 with the given description (without the "Bad Request: " prefix). */
  badRequest(detail: string): TelegramHttpReply {
    return apiError(400, `Bad Request: ${detail}`);
  },
  /** A JSON 5xx in the Bot API shape (default 500 Internal Server Error). */
  serverError(status = 500, description = "Internal Server Error"): TelegramHttpReply {
    return apiError(status, description);
  },
  /** The HTML 502 page the front proxy serves when the Bot API backend is down. */
  badGateway(): TelegramHttpReply {
    return {
      status: 502,
      headers: { "content-type": "text/html" },
      body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n",
    };
  },
};

function apiError(
  status: number,
  description: string,
  parameters?: ApiError["parameters"],
): TelegramHttpReply {
  const body: ApiError = { ok: false, error_code: status, description };
  if (parameters) body.parameters = parameters;
  return { status, body };
}

/** Webhook state as set by setWebhook (secret_token included, which getWebhookInfo never returns). */
export interface TelegramWebhook {
  url: string;
  secret_token?: string;
  max_connections: number;
  allowed_updates?: string[];
  ip_address?: string;
}

/** Options for {@link startTelegram}. */
export interface TelegramOptions {
  /** Tokens accepted (default: {@link DEFAULT_TELEGRAM_TOKEN}); any other gets 401 Unauthorized. */
  tokens?: string[];
  /** The bot's username for getMe (default "fake_relay_bot"). */
  botUsername?: string;
  /** Reject malformed HTML/MarkdownV2/Markdown like Telegram does (default true). */
  validateEntities?: boolean;
  /** Require https:// and ports 443/80/88/8443 in setWebhook, as Telegram does (default true). */
  strictWebhookUrl?: boolean;
  /** Flood control: 429 with retry_after past these limits (default {@link TELEGRAM_LIMITS}); false: none. */
  rateLimits?: Partial<TelegramLimits> | false;
}

/**
 * Telegram's flood control, as token buckets per chat: the FAQ's "about one message per second" in a chat
 * (short bursts tolerated) and "no more than 20 messages per minute" in a group; edits count as messages.
 * Drafts have no documented limit: a bucket of their own keeps a runaway stream in check.
 */
export interface TelegramLimits {
  /** Messages (sent or edited) a private chat takes at once, and per second after that. */
  readonly privateBurst: number;
  readonly privatePerSecond: number;
  /** The same for groups and supergroups, per minute. */
  readonly groupBurst: number;
  readonly groupPerMinute: number;
  /** Drafts a chat takes at once, and per second after that. */
  readonly draftBurst: number;
  readonly draftsPerSecond: number;
}

/** The emulator's default limits (see {@link TelegramLimits}). */
export const TELEGRAM_LIMITS: TelegramLimits = {
  privateBurst: 10,
  privatePerSecond: 1,
  groupBurst: 20,
  groupPerMinute: 20,
  draftBurst: 10,
  draftsPerSecond: 5,
};

/** How long a draft shows after its last update (the Bot API: "a temporary 30-second preview"). */
export const DRAFT_TTL_MS = 30_000;

/** A draft as the chat shows it now. */
export interface TelegramDraft {
  readonly chatId: number;
  readonly draftId: number;
  readonly threadId: number | undefined;
  /** The text as shown (entities parsed out); "" shows Telegram's "Thinking…" placeholder. */
  readonly text: string;
  /** The text as sent (HTML included). */
  readonly sent: string;
  readonly parseMode: string | undefined;
  /** When it was last updated, and when it disappears unless updated again. */
  readonly at: number;
  readonly expiresAt: number;
}

/** A running fake Bot API. */
export interface FakeTelegram {
  /** Base URL for `TELEGRAM_API_URL`. */
  readonly url: string;
  /** The first accepted token. */
  readonly token: string;
  /** Every request so far, in arrival order. */
  readonly calls: readonly TelegramCall[];
  /** Messages the bot has sent (current state, after edits), oldest first. */
  readonly messages: readonly Message[];
  /**
   * Drafts showing now (sendMessageDraft), optionally in one chat. A draft goes when it is not updated for
   * {@link DRAFT_TTL_MS}, or when the bot sends a message to its chat.
   */
  drafts(chatId?: number): TelegramDraft[];
  /** The current webhook, or undefined when none is set. */
  readonly webhook: TelegramWebhook | undefined;
  /** Bot commands per `scope|language_code` key (default scope and no language: `default|`). */
  readonly commands: ReadonlyMap<string, BotCommand[]>;
  /** Queues a reply for the next call of `method` (`"*"` for any method). */
  script(method: string, reply: TelegramReply, options?: ScriptOptions<TelegramCall>): void;
  /** Texts of sendMessage calls (as sent, markup included), optionally for one chat. */
  sent(chatId?: number | string): string[];
  /** The calls of one method, oldest first. */
  callsOf(method: string): TelegramCall[];
  /** Resolves once `predicate` is truthy for the calls (checked after every call). */
  waitFor<R>(
    predicate: (calls: readonly TelegramCall[]) => R | undefined | null | false,
    timeoutMs?: number,
  ): Promise<R>;
  /**
   * POSTs `update` to the webhook as Telegram does (JSON, `X-Telegram-Bot-Api-Secret-Token` when set);
   * `url` overrides the registered webhook URL. Resolves with the webhook's HTTP status.
   */
  deliver(update: Update, url?: string): Promise<number>;
  /**
   * What Telegram does with a webhook's 2xx answer (`body`, of `contentType`): a JSON object with a `method`
   * is made as that Bot API call (answerCallbackQuery …); anything else is nothing. `deliver` does it.
   */
  webhookReply(body: string, contentType: string | undefined): Promise<void>;
  /**
   * The update of `userId` pressing the inline button whose callback data is `data` under the bot's message
   * `messageId` (sent to `chatId`), as Telegram POSTs it; `deliver` it.
   */
  press(input: { userId: number; chatId: number; messageId: number; data: string }): Update;
  /** Holds `update` for getUpdates (long polling), until a later call's offset confirms it. */
  queueUpdate(update: Update): void;
  /**
   * Files users sent, by file_id: `getFile` gives their `file_path`, downloaded from
   * `/file/bot<token>/<file_path>` (served as application/octet-stream unless the file says otherwise).
   */
  readonly files: FileShelf;
  /** Clears calls, scripts, messages, webhook, commands and files. */
  reset(): void;
  /** Errors thrown inside the fake itself (a bug here, not in the code under test). */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

class BadRequest extends Error {}
class Conflict extends Error {}
class TooManyRequests extends Error {
  constructor(readonly retryAfter: number) {
    super(`Too Many Requests: retry after ${retryAfter}`);
  }
}

/** Starts a fake Telegram Bot API on 127.0.0.1. */
export async function startTelegram(options: TelegramOptions = {}): Promise<FakeTelegram> {
  const tokens = options.tokens ?? [DEFAULT_TELEGRAM_TOKEN];
  const validate = options.validateEntities ?? true;
  const strictWebhook = options.strictWebhookUrl ?? true;
  const log = new CallLog<TelegramCall>();
  const scripted = new Script<TelegramCall, TelegramReply>();
  const errors: unknown[] = [];
  let messages: Message[] = [];
  const nextMessageId = new Map<string, number>();
  let webhook: TelegramWebhook | undefined;
  const pendingUpdates: Update[] = [];
  let lastAllowedUpdates: string[] | undefined;
  const files = fileShelf("tgfile-");
  const commands = new Map<string, BotCommand[]>();
  /** Callback queries delivered and not answered yet (answerCallbackQuery accepts each once). */
  const pressedQueries = new Set<string>();
  let drafts = new Map<string, TelegramDraft>();
  const limits = options.rateLimits === false ? undefined : { ...TELEGRAM_LIMITS, ...options.rateLimits };
  const buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * Takes a token from the chat's bucket of `kind`; throws 429 with the seconds until one is back when
   * it is empty.
   */
  const spend = (chatId: number | string, kind: "message" | "draft") => {
    if (!limits) return;
    const group = typeof chatId === "string" || chatId < 0;
    const [burst, perMs] =
      kind === "draft"
        ? [limits.draftBurst, limits.draftsPerSecond / 1000]
        : group
          ? [limits.groupBurst, limits.groupPerMinute / 60_000]
          : [limits.privateBurst, limits.privatePerSecond / 1000];
    const key = `${kind}:${chatId}`;
    const now = Date.now();
    const bucket = buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) throw new TooManyRequests(Math.ceil((1 - bucket.tokens) / perMs / 1000));
    bucket.tokens -= 1;
  };
  const liveDrafts = () => {
    const now = Date.now();
    for (const [key, draft] of drafts) if (draft.expiresAt <= now) drafts.delete(key);
    return [...drafts.values()];
  };

  const botUser = (token: string): UserFromGetMe => ({
    id: Number(token.split(":")[0]) || 123456789,
    is_bot: true,
    first_name: "Fake Relay Bot",
    username: options.botUsername ?? "fake_relay_bot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  });

  const chatFor = (chatId: number | string): Chat => {
    if (typeof chatId === "string")
      return { id: -1001000000001, type: "channel", title: chatId, username: chatId.slice(1) } as Chat;
    if (chatId > 0)
      return { id: chatId, type: "private", first_name: "Test", username: `user${chatId}` } as Chat;
    if (String(chatId).startsWith("-100"))
      return { id: chatId, type: "supergroup", title: "Test Supergroup" } as Chat;
    return { id: chatId, type: "group", title: "Test Group" } as Chat;
  };

  const formatted = (params: Record<string, unknown>): string => {
    const text = params.text;
    if (text === undefined || text === null || String(text).trim() === "") {
      throw new BadRequest("message text is empty");
    }
    const raw = String(text);
    const parsed = validate
      ? parseEntities(raw, optionalString(params.parse_mode))
      : { ok: true as const, text: raw };
    if (!parsed.ok) throw new BadRequest(`can't parse entities: ${parsed.error}`);
    if (parsed.text.trim() === "") throw new BadRequest("text must be non-empty");
    if (parsed.text.length > 4096) throw new BadRequest("message is too long");
    return parsed.text;
  };

  /**
   * sendPhoto, sendDocument, sendVoice, sendAudio, sendVideo with the file uploaded (multipart/form-data,
   * the field named after the kind): the message carries the file as Telegram describes it, and the bytes
   * go on the shelf under its file_id (getFile serves them). An optional plain caption (≤ 1024).
   */
  const sendFile = (field: FileField, params: Record<string, unknown>, token: string) => {
    const chatId = requireChatId(params);
    const upload = params[field];
    if (!isUpload(upload)) throw new BadRequest(`there is no ${field} in the request`);
    const caption = checkedUpload(field, upload, params.caption);
    spend(chatId, "message");
    return fileMessage(field, upload, caption, chatId, token);
  };

  /** The caption of an upload of `field`'s kind, once its size and caption pass Telegram's rules. */
  const checkedUpload = (field: FileField, upload: Upload, rawCaption: unknown) => {
    if (upload.size === 0) throw new BadRequest("file must be non-empty");
    if (upload.size > UPLOAD_LIMITS[field])
      throw new BadRequest(field === "photo" ? "PHOTO_INVALID_DIMENSIONS" : "file is too big");
    const caption = optionalString(rawCaption);
    if (caption !== undefined && caption.length > 1024) throw new BadRequest("message caption is too long");
    return caption;
  };

  /** The bot's message carrying `upload` (its bytes go on the shelf under the file_id getFile serves). */
  const fileMessage = (
    field: FileField,
    upload: Upload,
    caption: string | undefined,
    chatId: number | string,
    token: string,
    mediaGroupId?: string,
  ) => {
    for (const [key, draft] of drafts) if (String(draft.chatId) === String(chatId)) drafts.delete(key);
    const stored = files.add(upload.bytes, { contentType: upload.type || "application/octet-stream" });
    const described = {
      file_id: stored.id,
      file_unique_id: `u${stored.id}`,
      file_size: upload.size,
      ...(field === "photo" ? {} : { mime_type: upload.type || "application/octet-stream" }),
      ...(field === "document" || field === "audio" ? { file_name: upload.filename } : {}),
    };
    const key = String(chatId);
    const id = (nextMessageId.get(key) ?? 0) + 1;
    nextMessageId.set(key, id);
    const message = {
      message_id: id,
      from: botUser(token),
      chat: chatFor(chatId),
      date: Math.floor(Date.now() / 1000),
      ...(mediaGroupId === undefined ? {} : { media_group_id: mediaGroupId }),
      ...(field === "photo" ? { photo: [{ ...described, width: 1, height: 1 }] } : { [field]: described }),
      ...(caption ? { caption } : {}),
    } as Message;
    messages.push(message);
    return message;
  };

  /**
   * sendMediaGroup: 2–10 InputMedia items (photo, video, audio, document; audio only with audio, documents
   * only with documents), each `attach://<field>` naming a file part of the same request; the album's
   * messages share a media_group_id and are returned in order.
   */
  const sendMediaGroup = (params: Record<string, unknown>, token: string) => {
    const chatId = requireChatId(params);
    let media: unknown = params.media;
    if (typeof media === "string") {
      try {
        media = JSON.parse(media);
      } catch {
        throw new BadRequest("can't parse media JSON object");
      }
    }
    if (!Array.isArray(media)) throw new BadRequest("can't parse media JSON object");
    if (media.length < 2 || media.length > 10) throw new BadRequest("wrong number of media specified");
    const items = media.map((item: unknown) => {
      const type = isRecord(item) ? item.type : undefined;
      if (!isRecord(item) || !MEDIA_TYPES.includes(type as FileField))
        throw new BadRequest("can't parse InputMedia: media type is not specified");
      const name = /^attach:\/\/(.+)$/.exec(String(item.media ?? ""))?.[1];
      const upload = name === undefined ? undefined : params[name];
      if (!isUpload(upload)) throw new BadRequest("wrong file identifier/HTTP URL specified");
      const field = type as FileField;
      return { field, upload, caption: checkedUpload(field, upload, item.caption) };
    });
    const kinds = new Set(items.map((item) => item.field));
    const alone = ["audio", "document"].find((kind) => kinds.has(kind as FileField));
    if (alone !== undefined && kinds.size > 1)
      throw new BadRequest(`${alone} can't be mixed with other media types`);
    spend(chatId, "message");
    const group = `g${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    return items.map((item) => fileMessage(item.field, item.upload, item.caption, chatId, token, group));
  };

  const methods: Record<string, (params: Record<string, unknown>, token: string) => unknown> = {
    getme: (_params, token) => botUser(token),
    getfile(params) {
      const file = files.get(String(params.file_id ?? ""));
      if (!file) throw new BadRequest("Bad Request: invalid file_id");
      if (file.bytes.byteLength > TELEGRAM_DOWNLOAD_LIMIT)
        throw new BadRequest("Bad Request: file is too big");
      return {
        file_id: file.id,
        file_unique_id: `u${file.id}`,
        file_size: file.bytes.byteLength,
        file_path: `documents/${file.id}`,
      };
    },
    sendmessage(params, token) {
      const chatId = requireChatId(params);
      const text = formatted(params);
      spend(chatId, "message");
      // A message from the bot replaces the chat's drafts.
      for (const [key, draft] of drafts) if (String(draft.chatId) === String(chatId)) drafts.delete(key);
      const key = String(chatId);
      const id = (nextMessageId.get(key) ?? 0) + 1;
      nextMessageId.set(key, id);
      const message = {
        message_id: id,
        from: botUser(token),
        chat: chatFor(chatId),
        date: Math.floor(Date.now() / 1000),
        text,
      } as Message;
      const thread = optionalNumber(params.message_thread_id);
      if (thread !== undefined)
        (message as Message & { message_thread_id?: number }).message_thread_id = thread;
      const markup = jsonParam(params.reply_markup);
      if (markup !== undefined) Object.assign(message, { reply_markup: keyboard(markup) });
      messages.push(message);
      return message;
    },
    sendphoto: (params, token) => sendFile("photo", params, token),
    senddocument: (params, token) => sendFile("document", params, token),
    sendvoice: (params, token) => sendFile("voice", params, token),
    sendaudio: (params, token) => sendFile("audio", params, token),
    sendvideo: (params, token) => sendFile("video", params, token),
    sendmediagroup: sendMediaGroup,
    answercallbackquery(params) {
      const id = optionalString(params.callback_query_id);
      if (!id || !pressedQueries.has(id))
        throw new BadRequest("query is too old and response timeout expired or query ID is invalid");
      pressedQueries.delete(id);
      return true;
    },
    editmessagetext(params) {
      if (params.inline_message_id !== undefined) {
        formatted(params);
        return true;
      }
      const chatId = requireChatId(params);
      const messageId = optionalNumber(params.message_id);
      if (messageId === undefined) throw new BadRequest("message identifier is not specified");
      const text = formatted(params);
      const index = messages.findIndex(
        (m) => String(m.chat.id) === String(chatId) && m.message_id === messageId,
      );
      const current = messages[index];
      if (!current) throw new BadRequest("message to edit not found");
      spend(chatId, "message");
      if (current.text === text) {
        throw new BadRequest(
          "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
      }
      const edited = { ...current, text, edit_date: Math.floor(Date.now() / 1000) } as Message;
      messages[index] = edited;
      return edited;
    },
    sendchataction(params) {
      requireChatId(params);
      if (!CHAT_ACTIONS.has(String(params.action))) throw new BadRequest("wrong parameter action in request");
      return true;
    },
    sendmessagedraft(params) {
      const chatId = requireChatId(params);
      // Live drafts can only be sent to users (core.telegram.org/api/bots/ai): not to groups or channels.
      if (typeof chatId !== "number" || chatId < 0) throw new BadRequest("TEXTDRAFT_PEER_INVALID");
      const draftId = optionalNumber(params.draft_id);
      if (!draftId) throw new BadRequest("invalid draft_id specified");
      const raw = params.text === undefined || params.text === null ? "" : String(params.text);
      const text = raw === "" ? "" : formatted(params);
      spend(chatId, "draft");
      const threadId = optionalNumber(params.message_thread_id);
      const at = Date.now();
      drafts.set(`${chatId}:${threadId ?? ""}:${draftId}`, {
        chatId,
        draftId,
        threadId,
        text,
        sent: raw,
        parseMode: optionalString(params.parse_mode),
        at,
        expiresAt: at + DRAFT_TTL_MS,
      });
      return true;
    },
    deletemessage(params) {
      const chatId = requireChatId(params);
      const messageId = optionalNumber(params.message_id);
      const index = messages.findIndex(
        (m) => String(m.chat.id) === String(chatId) && m.message_id === messageId,
      );
      if (index < 0) throw new BadRequest("message to delete not found");
      messages.splice(index, 1);
      return true;
    },
    setwebhook(params) {
      const url = optionalString(params.url) ?? "";
      if (url === "") {
        webhook = undefined;
        return { result: true, description: "Webhook was deleted" };
      }
      if (strictWebhook) {
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new BadRequest("bad webhook: Failed to resolve host: Name or service not known");
        }
        if (parsed.protocol !== "https:")
          throw new BadRequest("bad webhook: An HTTPS URL must be provided for webhook");
        if (!["", "443", "80", "88", "8443"].includes(parsed.port)) {
          throw new BadRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
        }
      }
      const secret = optionalString(params.secret_token);
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
        throw new BadRequest("secret token contains unallowed characters");
      }
      const maxConnections = optionalNumber(params.max_connections) ?? 40;
      if (maxConnections < 1 || maxConnections > 100)
        throw new BadRequest("bad webhook: invalid max_connections");
      const allowed = jsonParam(params.allowed_updates);
      if (allowed !== undefined) {
        if (!Array.isArray(allowed)) throw new BadRequest("can't parse allowed updates JSON array");
        lastAllowedUpdates = allowed.map(String);
      }
      const description = webhook?.url === url ? "Webhook is already set" : "Webhook was set";
      webhook = { url, max_connections: maxConnections, ip_address: "127.0.0.1" };
      if (secret !== undefined) webhook.secret_token = secret;
      if (lastAllowedUpdates !== undefined) webhook.allowed_updates = lastAllowedUpdates;
      return { result: true, description };
    },
    getupdates(params) {
      if (webhook)
        throw new Conflict(
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      // Confirms every update below `offset`, like Telegram; answers at once instead of long polling.
      const offset = optionalNumber(params.offset) ?? 0;
      while (pendingUpdates.length > 0 && (pendingUpdates[0]?.update_id ?? 0) < offset)
        pendingUpdates.shift();
      return pendingUpdates.slice(0, optionalNumber(params.limit) ?? 100);
    },
    deletewebhook() {
      const description = webhook ? "Webhook was deleted" : "Webhook is already deleted";
      webhook = undefined;
      return { result: true, description };
    },
    getwebhookinfo(): WebhookInfo {
      const info: WebhookInfo = {
        url: webhook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: 0,
      };
      if (webhook) {
        info.max_connections = webhook.max_connections;
        if (webhook.ip_address) info.ip_address = webhook.ip_address;
        if (webhook.allowed_updates)
          info.allowed_updates = webhook.allowed_updates as WebhookInfo["allowed_updates"];
      }
      return info;
    },
    setmycommands(params) {
      const list = jsonParam(params.commands);
      if (!Array.isArray(list)) throw new BadRequest("can't parse commands JSON array");
      const parsed: BotCommand[] = [];
      for (const item of list as unknown[]) {
        const command = isRecord(item) ? String(item.command ?? "") : "";
        const description = isRecord(item) ? String(item.description ?? "") : "";
        if (!/^[a-z0-9_]{1,32}$/.test(command)) throw new BadRequest("BOT_COMMAND_INVALID");
        if (description.length < 1 || description.length > 256)
          throw new BadRequest("BOT_COMMAND_DESCRIPTION_INVALID");
        parsed.push({ command, description });
      }
      commands.set(commandsKey(params), parsed);
      return true;
    },
    deletemycommands(params) {
      commands.delete(commandsKey(params));
      return true;
    },
    getmycommands(params) {
      return commands.get(commandsKey(params)) ?? [];
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const download = /^\/file\/bot([^/]+)\/documents\/([^/]+)$/.exec(url.pathname);
    if (download) {
      const valid = tokens.includes(decodeURIComponent(download[1] as string));
      return files.serve(decodeURIComponent(download[2] as string), req, res, () => valid);
    }
    const match = /^\/bot([^/]+)\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    const body = await readBody(req);
    if (!match) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = decodeURIComponent(match[1] as string);
    const method = match[2] as string;
    const contentType = req.headers["content-type"];
    let params: Record<string, unknown>;
    try {
      params = await parseParams(url, body, contentType);
    } catch {
      const call: TelegramCall = {
        token,
        method,
        params: {},
        httpMethod: req.method ?? "GET",
        contentType,
        at: Date.now(),
      };
      log.push(call);
      respond(res, call, apiReply(400, "Bad Request: can't parse request JSON object"));
      return;
    }
    const call: TelegramCall = {
      token,
      method,
      params,
      httpMethod: req.method ?? "GET",
      contentType,
      at: Date.now(),
    };
    log.push(call);

    if (!tokens.includes(token)) {
      respond(res, call, apiReply(401, "Unauthorized"));
      return;
    }
    const reply = scripted.take(call);
    if (reply && "destroy" in reply) {
      res.destroy();
      return;
    }
    if (reply?.delayMs) await sleep(reply.delayMs);
    if (reply && "status" in reply) {
      respond(res, call, reply);
      return;
    }
    const impl = methods[method.toLowerCase()];
    if (!impl) {
      respond(res, call, apiReply(404, "Not Found"));
      return;
    }
    try {
      const result = impl(params, token);
      if (isRecord(result) && "description" in result && "result" in result) {
        respond(res, call, {
          status: 200,
          body: { ok: true, result: result.result, description: result.description },
        });
      } else {
        respond(res, call, { status: 200, body: { ok: true, result } });
      }
    } catch (error) {
      if (error instanceof TooManyRequests)
        respond(res, call, telegramErrors.tooManyRequests(error.retryAfter));
      else if (error instanceof BadRequest)
        respond(res, call, apiReply(400, `Bad Request: ${error.message}`));
      else if (error instanceof Conflict) respond(res, call, apiReply(409, error.message));
      else throw error;
    }
  };

  const server: LoopbackServer = await listen(handle, (error) => errors.push(error));

  /** What Telegram does with a webhook's 2xx answer: a JSON body naming a `method` is made as that call. */
  async function webhookReply(body: string, contentType: string | undefined): Promise<void> {
    if (!(contentType ?? "").includes("application/json")) return;
    const { method, ...params } = JSON.parse(body) as Record<string, unknown>;
    if (typeof method !== "string") return;
    await fetch(`${server.url}/bot${tokens[0]}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
  }

  return {
    url: server.url,
    token: tokens[0] as string,
    get calls() {
      return log.items;
    },
    get messages() {
      return messages;
    },
    drafts: (chatId) =>
      liveDrafts().filter((draft) => chatId === undefined || String(draft.chatId) === String(chatId)),
    get webhook() {
      return webhook;
    },
    commands,
    errors,
    script: (method, reply, scriptOptions = {}) => {
      const wanted = method.toLowerCase();
      const when = scriptOptions.when;
      scripted.push(reply, {
        ...scriptOptions,
        when: (call) =>
          (wanted === "*" || call.method.toLowerCase() === wanted) && (when ? when(call) : true),
      });
    },
    sent(chatId) {
      return log.items
        .filter((c) => c.method.toLowerCase() === "sendmessage")
        .filter((c) => chatId === undefined || String(c.params.chat_id) === String(chatId))
        .map((c) => String(c.params.text ?? ""));
    },
    callsOf(method) {
      return log.items.filter((c) => c.method.toLowerCase() === method.toLowerCase());
    },
    waitFor: (predicate, timeoutMs = 2000) =>
      log.waitFor(
        predicate,
        timeoutMs,
        (c) => `${c.method} ${JSON.stringify(c.params)} → ${c.response?.status ?? "…"}`,
      ),
    async deliver(update, url) {
      const target = url ?? webhook?.url;
      if (!target) throw new Error("fake Telegram: no webhook set and no url given");
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (webhook?.secret_token) headers["x-telegram-bot-api-secret-token"] = webhook.secret_token;
      const response = await fetch(target, { method: "POST", headers, body: JSON.stringify(update) });
      const text = await response.text();
      if (response.ok) await webhookReply(text, response.headers.get("content-type") ?? undefined);
      return response.status;
    },
    webhookReply,
    press({ userId, chatId, messageId, data }) {
      const sent = messages.find((m) => String(m.chat.id) === String(chatId) && m.message_id === messageId);
      if (!sent)
        throw new Error(`fake Telegram: no message ${messageId} in chat ${chatId} to press a button of`);
      const id = String(++nextQueryId);
      pressedQueries.add(id);
      nextUpdateId += 1;
      return {
        update_id: nextUpdateId,
        callback_query: {
          id,
          from: { id: userId, is_bot: false, first_name: "Ada", username: `user${userId}` },
          message: sent,
          chat_instance: String(chatId),
          data,
        },
      } as Update;
    },
    queueUpdate(update) {
      pendingUpdates.push(update);
    },
    reset() {
      pendingUpdates.length = 0;
      log.clear();
      scripted.reset();
      messages = [];
      drafts = new Map();
      buckets.clear();
      nextMessageId.clear();
      webhook = undefined;
      lastAllowedUpdates = undefined;
      commands.clear();
      pressedQueries.clear();
      files.reset();
    },
    files,
    close: () => server.close(),
  };
}

function apiReply(status: number, description: string): TelegramHttpReply {
  return apiError(status, description);
}

function respond(res: ServerResponse, call: TelegramCall, reply: TelegramHttpReply): void {
  call.response = { status: reply.status, body: reply.body };
  if (typeof reply.body === "string") {
    res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
    res.end(reply.body);
    return;
  }
  sendJson(res, reply.status, reply.body, reply.headers);
}

async function parseParams(
  url: URL,
  body: Buffer,
  contentType: string | undefined,
): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (body.length === 0) return params;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (!isRecord(parsed)) throw new Error("not an object");
    return { ...params, ...parsed };
  }
  if (type === "application/x-www-form-urlencoded") {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) };
  }
  if (type === "multipart/form-data") {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": contentType as string },
    }).formData();
    for (const [key, value] of form.entries()) {
      const entry = value as unknown;
      if (typeof entry === "string") params[key] = entry;
      else {
        const file = entry as Blob & { name?: string };
        params[key] = {
          filename: file.name,
          size: file.size,
          type: file.type,
          bytes: new Uint8Array(await file.arrayBuffer()),
        } satisfies Upload;
      }
    }
    return params;
  }
  return params;
}

/** A file part of a multipart request, as the fake read it. */
export interface Upload {
  readonly filename: string | undefined;
  readonly size: number;
  readonly type: string;
  readonly bytes: Uint8Array;
}

function isUpload(value: unknown): value is Upload {
  return isRecord(value) && value.bytes instanceof Uint8Array;
}

/** An inline keyboard as Telegram keeps it: rows of buttons with text and callback data. */
function keyboard(markup: unknown): unknown {
  const rows = isRecord(markup) ? markup.inline_keyboard : undefined;
  if (!Array.isArray(rows)) throw new BadRequest("can't parse reply keyboard markup JSON object");
  for (const button of rows.flat() as unknown[]) {
    const data = isRecord(button) ? button.callback_data : undefined;
    if (!isRecord(button) || typeof button.text !== "string" || button.text === "")
      throw new BadRequest("BUTTON_TEXT_INVALID");
    if (typeof data === "string" && (data === "" || Buffer.byteLength(data) > 64))
      throw new BadRequest("BUTTON_DATA_INVALID");
  }
  return markup;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function optionalNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function jsonParam(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function requireChatId(params: Record<string, unknown>): number | string {
  const raw = params.chat_id;
  if (raw === undefined || raw === null || raw === "") throw new BadRequest("chat_id is empty");
  const id = optionalNumber(raw);
  if (id !== undefined) return id;
  if (typeof raw === "string" && raw.startsWith("@")) return raw;
  throw new BadRequest("chat not found");
}

function commandsKey(params: Record<string, unknown>): string {
  const scope = jsonParam(params.scope);
  const type = isRecord(scope) ? String(scope.type ?? "default") : "default";
  const suffix = isRecord(scope) && scope.chat_id !== undefined ? `:${scope.chat_id}` : "";
  return `${type}${suffix}|${optionalString(params.language_code) ?? ""}`;
}

/** Input for {@link telegramTextUpdate}. */
export interface TextUpdateInput {
  text: string;
  /** Sender's user id (default 1001). */
  userId?: number;
  /** Chat id (default: the user id, i.e. a private chat; negative for groups, -100… for supergroups). */
  chatId?: number;
  updateId?: number;
  messageId?: number;
  /** Forum topic id (sets `message_thread_id` and `is_topic_message`). */
  threadId?: number;
  firstName?: string;
  username?: string;
  /** Unix seconds (default now). */
  date?: number;
}

let nextUpdateId = 100_000;
let nextQueryId = 7_000_000;

/**
 * A realistic incoming text-message Update, as Telegram POSTs it to the webhook. A text starting with `/`
 * gets a `bot_command` entity, as Telegram adds one.
 */
export function telegramTextUpdate(input: TextUpdateInput): Update {
  const userId = input.userId ?? 1001;
  const chatId = input.chatId ?? userId;
  const chat =
    chatId > 0
      ? {
          id: chatId,
          type: "private" as const,
          first_name: input.firstName ?? "Ada",
          username: input.username ?? "ada",
        }
      : String(chatId).startsWith("-100")
        ? {
            id: chatId,
            type: "supergroup" as const,
            title: "Test Supergroup",
            ...(input.threadId ? { is_forum: true as const } : {}),
          }
        : { id: chatId, type: "group" as const, title: "Test Group" };
  const entities: MessageEntity[] = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(input.text);
  if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
  const message = {
    message_id: input.messageId ?? 1,
    from: {
      id: userId,
      is_bot: false,
      first_name: input.firstName ?? "Ada",
      username: input.username ?? "ada",
      language_code: "en",
    },
    chat,
    date: input.date ?? Math.floor(Date.now() / 1000),
    text: input.text,
    ...(entities.length > 0 ? { entities } : {}),
    ...(input.threadId ? { message_thread_id: input.threadId, is_topic_message: true } : {}),
  };
  nextUpdateId += 1;
  return { update_id: input.updateId ?? nextUpdateId, message } as Update;
}
