import type { AppMentionEvent, GenericMessageEvent } from "@slack/types";
import * as v from "valibot";
import type { GroupMode } from "../core/access/settings.ts";
import { type Attachment, ENVELOPE_VERSION } from "../core/envelope.ts";
import { type Inbound, type Invalid, parseCommand } from "../core/inbound.ts";
import { SlackId, type SlackReply, Ts } from "./reply.ts";
import { slackTextToPlain } from "./text.ts";

/**
 * Slack Events API requests, as far as we read them. The schemas describe only the fields we use and
 * are checked against @slack/types below. The outer request is parsed first with the event left loose,
 * so event types and subtypes we do not act on are let go (200) before their shape matters.
 */

const Int = v.pipe(v.number(), v.integer());

export const UrlVerificationSchema = v.object({
  type: v.literal("url_verification"),
  challenge: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
});

export const AuthorizationSchema = v.object({
  user_id: v.optional(SlackId),
  is_bot: v.optional(v.boolean()),
});

export const EventCallbackSchema = v.object({
  type: v.literal("event_callback"),
  /** Unique per event and kept across Slack's retries: the dedup key. */
  event_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,128}$/)),
  event_time: v.optional(Int),
  /** Loose: read strictly (MessageEventSchema) only once we know we act on it. */
  event: v.looseObject({
    type: v.string(),
    subtype: v.optional(v.string()),
    bot_id: v.optional(v.unknown()),
  }),
  /** The workspace the event is for. */
  team_id: v.optional(SlackId),
  /** The installation the event is for; its `user_id` is our bot user. */
  authorizations: v.optional(v.array(AuthorizationSchema)),
});

export const AppRateLimitedSchema = v.object({
  type: v.literal("app_rate_limited"),
  minute_rate_limited: v.optional(Int),
});

/** Everything Slack POSTs to an Events API request URL. */
export const SlackRequestSchema = v.variant("type", [
  UrlVerificationSchema,
  EventCallbackSchema,
  AppRateLimitedSchema,
]);

export const FileSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.optional(v.nullable(v.string())),
  mimetype: v.optional(v.string()),
  size: v.optional(v.pipe(Int, v.minValue(0))),
  url_private: v.optional(v.pipe(v.string(), v.url())),
  url_private_download: v.optional(v.pipe(v.string(), v.url())),
});

/** `message` (DMs, thread replies) and `app_mention` events: the fields we read. */
export const MessageEventSchema = v.object({
  type: v.picklist(["message", "app_mention"]),
  subtype: v.optional(v.string()),
  channel: SlackId,
  channel_type: v.optional(v.string()),
  user: v.optional(SlackId),
  /** The sender's workspace (another one for a Slack Connect user). */
  team: v.optional(SlackId),
  bot_id: v.optional(v.string()),
  text: v.optional(v.string()),
  ts: Ts,
  thread_ts: v.optional(Ts),
  parent_user_id: v.optional(v.string()),
  files: v.optional(v.array(FileSchema)),
});

export type SlackEventCallback = v.InferOutput<typeof EventCallbackSchema>;
export type SlackMessageEvent = v.InferOutput<typeof MessageEventSchema>;

// Compile-time: what Slack sends (per @slack/types) fits what we parse.
type Extends<A extends B, B> = A;
type Read = "channel" | "user" | "bot_id" | "text" | "ts" | "thread_ts";
export type _Checks = [
  Extends<
    Pick<GenericMessageEvent, Read | "parent_user_id" | "subtype">,
    Pick<SlackMessageEvent, Read | "parent_user_id">
  >,
  Extends<GenericMessageEvent["channel_type"], NonNullable<SlackMessageEvent["channel_type"]>>,
  Extends<Pick<AppMentionEvent, Read | "subtype">, Pick<SlackMessageEvent, Read | "subtype">>,
  Extends<GenericMessageEvent["type"] | AppMentionEvent["type"], SlackMessageEvent["type"]>,
  Extends<
    Pick<
      NonNullable<GenericMessageEvent["files"]>[number],
      "id" | "name" | "mimetype" | "size" | "url_private" | "url_private_download"
    >,
    v.InferOutput<typeof FileSchema>
  >,
];

/** Who we are: the bot user, from `authorizations` (or auth.test); undefined when unknown. */
export interface BotIdentity {
  readonly userId: string | undefined;
}

/** Subtypes that are still a person writing: a message with files, a thread reply also sent to the channel. */
const PERSON_SUBTYPES = new Set(["file_share", "thread_broadcast"]);

/** The bot user id the event carries (`authorizations[].user_id`), preferring a bot authorization. */
export function botUserIdOf(payload: SlackEventCallback): string | undefined {
  const auth = payload.authorizations ?? [];
  return (auth.find((a) => a.is_bot) ?? auth[0])?.user_id;
}

/** True when reading this event needs the bot user id and the payload does not carry it. */
export function needsBotUserId(payload: SlackEventCallback): boolean {
  const { type, subtype, bot_id, channel_type } = payload.event;
  if (type !== "message" || bot_id !== undefined) return false;
  if (subtype !== undefined && !PERSON_SUBTYPES.has(subtype)) return false;
  return channel_type !== "im" && botUserIdOf(payload) === undefined;
}

function attachmentsOf(event: SlackMessageEvent): Attachment[] {
  return (event.files ?? []).map((file) => {
    const mime = file.mimetype;
    const kind = mime?.startsWith("image/")
      ? "image"
      : mime?.startsWith("audio/")
        ? "audio"
        : mime?.startsWith("video/")
          ? "video"
          : "document";
    const attachment: Attachment = {
      kind,
      id: file.url_private_download ?? file.url_private ?? file.id,
    };
    if (mime) attachment.mime = mime;
    if (file.size !== undefined) attachment.size = file.size;
    if (file.name) attachment.name = file.name;
    return attachment;
  });
}

/**
 * Turns an event into an envelope. Answered: direct messages (message.im), mentions in channels
 * (app_mention, answered in the thread of the mention), and replies in a channel thread that do not
 * mention the bot, which the worker answers only when the bot is already part of the thread. Ignored
 * (200, so Slack does not retry): bots (ourselves included), edits, joins and other subtypes, channel
 * chatter, and the `message` copy of a mention (its app_mention is answered). With `groupPolicy`
 * `always`, channel chatter goes on too, marked not addressed (the worker answers it where the channel
 * answers always).
 */
export function toEnvelope(
  payload: SlackEventCallback,
  bot: BotIdentity,
  now = Date.now(),
  groupPolicy: GroupMode = "mention",
): Inbound<Invalid> {
  const loose = payload.event;
  if (loose.type !== "message" && loose.type !== "app_mention") return { ignored: `event ${loose.type}` };
  if (loose.subtype !== undefined && !PERSON_SUBTYPES.has(loose.subtype)) {
    return { ignored: `subtype ${loose.subtype}` };
  }
  if (loose.bot_id !== undefined) return { ignored: "sent by a bot" };
  const parsed = v.safeParse(MessageEventSchema, loose);
  if (!parsed.success) {
    const path = v.getDotPath(parsed.issues[0]);
    return { invalid: `event${path ? `.${path}` : ""}` };
  }
  const event = parsed.output;
  if (!event.user) return { ignored: "no sender" };
  if (event.user === bot.userId) return { ignored: "sent by the bot itself" };

  const direct =
    event.channel_type === "im" || (event.channel_type === undefined && event.channel.startsWith("D"));
  let threadTs: string | undefined;
  let requireBotInThread: string | undefined;
  let addressed = true;
  if (event.type === "app_mention") {
    // In a DM the message.im event is the one we answer.
    if (direct) return { ignored: "mention in a direct message" };
    threadTs = event.thread_ts ?? event.ts;
  } else if (direct) {
    threadTs = event.thread_ts;
  } else if (event.thread_ts === undefined || event.thread_ts === event.ts) {
    if (groupPolicy !== "always") return { ignored: "channel message not addressed to the bot" };
    if (bot.userId === undefined) return { ignored: "bot user unknown" };
    if (event.text?.includes(`<@${bot.userId}`)) return { ignored: "mention (answered as app_mention)" };
    // Chatter, for a channel that answers always: answered in a thread of its own, as a mention is.
    addressed = false;
    threadTs = event.ts;
  } else {
    if (bot.userId === undefined) return { ignored: "bot user unknown" };
    if (event.text?.includes(`<@${bot.userId}`)) return { ignored: "mention (answered as app_mention)" };
    threadTs = event.thread_ts;
    // A thread the bot started is one it is part of; any other needs a look at the thread (worker).
    if (event.parent_user_id !== bot.userId) requireBotInThread = bot.userId;
  }

  const text = slackTextToPlain(event.text ?? "", bot.userId);
  const command = parseCommand(text);

  const team = event.team ?? payload.team_id;
  const reply: SlackReply = {
    channel: event.channel,
    ts: event.ts,
    ...(threadTs === undefined ? {} : { threadTs }),
    assistant: direct && threadTs !== undefined,
    ...(requireBotInThread === undefined ? {} : { requireBotInThread }),
    user: event.user,
    ...(team === undefined ? {} : { team }),
  };
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      channel: "slack",
      eventId: payload.event_id,
      conversation: event.channel,
      ...(threadTs === undefined ? {} : { thread: threadTs }),
      user: { id: event.user },
      ...(direct ? {} : { group: true }),
      ...(addressed ? {} : { addressed: false }),
      text: command ? command.text : text,
      ...(command ? { command: command.command } : {}),
      attachments: attachmentsOf(event),
      reply,
      receivedAt: now,
    },
  };
}
