/**
 * Fake Slack on loopback, both sides of it. The Web API: point `SLACK_API_URL` at `url`; methods are
 * `POST /<method>` with form-encoded (or JSON, for write methods) parameters and a Bearer token, answered
 * in Slack's shapes: HTTP 200 `{ok:true,…}` or `{ok:false,error:"…"}`, HTTP 429 with Retry-After. The
 * Events API: builders for the event_callback payloads Slack POSTs and the headers it signs them with.
 * Every call is recorded in order; `script()` queues one-shot (or n-shot) replies such as a 429.
 * The workspace keeps what the bot posts (with its message metadata) and what tests add, and reads it back
 * through conversations.history and conversations.replies (`oldest`/`latest`/`inclusive`, `limit`, cursor
 * paging, metadata only with `include_all_metadata`), as the real methods do.
 *
 * Answers that change a message: chat.update (the bot's own messages; a message still streaming cannot
 * be updated: `message_not_in_streaming_state` is Slack's only word on it, so the fake answers
 * `cant_update_message`), chat.delete, and the streams: chat.startStream (in a thread, `thread_ts`
 * required; outside a DM `recipient_user_id` and `recipient_team_id` required), chat.appendStream and
 * chat.stopStream (`message_not_in_streaming_state` once stopped, or idle past `streamIdleMs`), at most
 * 12,000 characters of `markdown_text` per call; stream messages carry `streaming_state` in the reads.
 * `rateLimits` (per method per minute, default {@link SLACK_TIERS}) answers 429 past a method's tier.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
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
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from "./slack-events.ts";
import { RateWindows, SLACK_TIERS } from "./slack-limits.ts";

/** The bot token accepted by default. */
export const DEFAULT_SLACK_TOKEN = "xoxb-1111111111-2222222222222-FakeSlackBotToken0123";

/** One recorded Web API request. */
export interface SlackCall {
  method: string;
  /** Query and body parameters merged (form values are strings, as sent). */
  params: Record<string, unknown>;
  /** The token, from the Authorization header or a `token` parameter. */
  token: string | undefined;
  contentType: string | undefined;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** The response sent (undefined while pending or for a dropped connection). */
  response?: { status: number; body: unknown };
}

/** An HTTP answer: status, body (a string is sent as text, anything else as JSON), headers, delay. */
export interface SlackHttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A scripted answer: an HTTP reply, a delay before normal processing, a dropped connection (the call never
 * reached Slack), or `lost`: the call is carried out, then the connection is dropped before the answer
 * (Slack posted the message, the caller never learns it).
 */
export type SlackReplyScript = SlackHttpReply | { delayMs: number } | { destroy: true } | { lost: true };

/** Builders for the error replies the real Web API sends. */
export const slackErrors = {
  /** HTTP 429 with Retry-After (seconds) and `{ok:false,error:"ratelimited"}`. */
  ratelimited(retryAfter: number): SlackHttpReply {
    return {
      status: 429,
      headers: { "retry-after": String(retryAfter) },
      body: { ok: false, error: "ratelimited" },
    };
  },
  /** HTTP 200 `{ok:false,error:code}`: how Slack reports channel_not_found, invalid_auth, … */
  error(code: string): SlackHttpReply {
    return { status: 200, body: { ok: false, error: code } };
  },
  /** A 5xx with a plain-text body, as Slack's edge serves it when the backend is down. */
  serverError(status = 503): SlackHttpReply {
    return { status, headers: { "content-type": "text/plain" }, body: "upstream connect error" };
  },
};

/** Message metadata, as chat.postMessage takes it and the read methods return it. */
export interface SlackMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message as the fake workspace holds it (a thread's parent, a reply, or the bot's own). */
export interface SlackStoredMessage {
  type: "message";
  ts: string;
  user?: string;
  bot_id?: string;
  text: string;
  thread_ts?: string;
  metadata?: SlackMetadata;
  /** Files shared with the message (files.completeUploadExternal), as Slack lists them. */
  files?: SlackSharedFile[];
  /** A streamed message: `in_progress` until chat.stopStream (or the idle timeout), then `completed`. */
  streaming_state?: "in_progress" | "completed";
}

/** A file the bot shared, as a message lists it; its bytes are on the shelf under `id`. */
export interface SlackSharedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
}

/** A message the bot posted through chat.postMessage. */
export interface SlackPosted extends SlackStoredMessage {
  channel: string;
}

/** Options for {@link startSlack}. */
export interface SlackOptions {
  /** Tokens accepted (default: {@link DEFAULT_SLACK_TOKEN}); any other gets `invalid_auth`. */
  tokens?: string[];
  /** Channels that answer `channel_not_found`. */
  unknownChannels?: string[];
  /** Channels the bot is not a member of: `not_in_channel`. */
  notInChannels?: string[];
  /** Calls per minute per method before 429 (default {@link SLACK_TIERS}); `{}` for none. */
  rateLimits?: Record<string, number>;
  /** A stream not appended to for this long stops taking appends (ms). @default 300000 */
  streamIdleMs?: number;
  /** Whether the workspace has the streaming methods (false: `unknown_method`, as GovSlack answers). @default true */
  streaming?: boolean;
  /** Scopes the app was not granted (`im:write`: conversations.open answers `missing_scope`). */
  missingScopes?: string[];
}

/** A running fake Web API. */
export interface FakeSlack {
  /** Base URL for `SLACK_API_URL`. */
  readonly url: string;
  /** The first accepted token. */
  readonly token: string;
  /**
   * Files users shared, served at `/files-pri/<id>` (a file's `url_private_download`, {@link FakeSlack.fileUrl})
   * to a Bearer bot token only, as files.slack.com serves them.
   */
  readonly files: FileShelf;
  /** The `url_private_download` of shelf file `id`. */
  fileUrl(id: string): string;
  /**
   * Files the bot uploaded (files.getUploadURLExternal, then a POST of the bytes to the upload URL), by
   * file id; completeUploadExternal shares them in a message.
   */
  readonly uploads: ReadonlyMap<
    string,
    { name: string; length: number; bytes?: Uint8Array; contentType?: string }
  >;
  /** Every request so far, in arrival order. */
  readonly calls: readonly SlackCall[];
  /** Messages the bot posted, oldest first. */
  readonly messages: readonly SlackPosted[];
  /** Reactions the bot has on messages now, by `channel:ts`. */
  readonly reactions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Queues a reply for the next call of `method` (`"*"` for any method). */
  script(method: string, reply: SlackReplyScript, options?: ScriptOptions<SlackCall>): void;
  /** Texts the bot posted, optionally in one channel (and one thread). */
  sent(channel?: string, threadTs?: string): string[];
  /** The calls of one method, oldest first. */
  callsOf(method: string): SlackCall[];
  /** Adds a message to a thread (its parent when `ts` equals `threadTs`), as if someone posted it. */
  addToThread(
    channel: string,
    threadTs: string,
    message: { user?: string; bot_id?: string; text?: string; ts?: string; metadata?: SlackMetadata },
  ): void;
  /** Adds a top-level message to a channel's history, as if someone posted it; returns its `ts`. */
  addToChannel(
    channel: string,
    message: { user?: string; bot_id?: string; text?: string; ts?: string; metadata?: SlackMetadata },
  ): string;
  /** Resolves once `predicate` is truthy for the calls (checked after every call). */
  waitFor<R>(
    predicate: (calls: readonly SlackCall[]) => R | undefined | null | false,
    timeoutMs?: number,
  ): Promise<R>;
  /** Clears calls, scripts, messages, threads and reactions. */
  reset(): void;
  /** Errors thrown inside the fake itself (a bug here, not in the code under test). */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

class SlackRefusal extends Error {}

const CHANNEL = /^[CDG][A-Z0-9]{2,}$/;
/** chat.*Stream's `markdown_text` per call. */
const STREAM_TEXT_LIMIT = 12_000;
const TS = /^\d{1,12}\.\d{1,9}$/;
/** conversations.history's `limit`: default 100, at most 999; conversations.replies': 1,000 and 1,000. */
const HISTORY_LIMIT = { default: 100, max: 999 };
const REPLIES_LIMIT = { default: 1000, max: 1000 };

/** A `ts` (or `oldest`/`latest`) as an exact number of microseconds: doubles blur the last digits. */
function micros(ts: string): bigint {
  const [seconds = "0", fraction = ""] = ts.split(".");
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.slice(0, 6).padEnd(6, "0"));
}
/** Read methods take form or query parameters only; a JSON body is not read (as on the real API). */
const READ_METHODS = new Set(["conversations.replies", "conversations.history", "auth.test"]);

/** Starts a fake Slack Web API on 127.0.0.1. */
export async function startSlack(options: SlackOptions = {}): Promise<FakeSlack> {
  const tokens = options.tokens ?? [DEFAULT_SLACK_TOKEN];
  const files = fileShelf("F");
  const uploads = new Map<
    string,
    { name: string; length: number; bytes?: Uint8Array; contentType?: string }
  >();
  let nextUpload = 0;
  /** Where upload URLs point: this server (set once it listens). */
  let uploadBase = "";
  const log = new CallLog<SlackCall>();
  const scripted = new Script<SlackCall, SlackReplyScript>();
  const errors: unknown[] = [];
  let messages: SlackPosted[] = [];
  const threads = new Map<string, SlackStoredMessage[]>();
  /** Top-level messages per channel (thread parents included), oldest first. */
  const history = new Map<string, SlackStoredMessage[]>();
  const reactions = new Map<string, Set<string>>();
  let seq = 0;
  const limits = new RateWindows(options.rateLimits ?? SLACK_TIERS);
  /** Streams by `channel:ts`: when last appended to. */
  const streams = new Map<string, number>();
  const streamIdleMs = options.streamIdleMs ?? 300_000;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, "0")}`;

  const str = (params: Record<string, unknown>, name: string): string | undefined => {
    const value = params[name];
    return value === undefined || value === null || value === "" ? undefined : String(value);
  };
  const channelOf = (params: Record<string, unknown>, name = "channel"): string => {
    const channel = str(params, name);
    if (channel === undefined) throw new SlackRefusal("channel_not_found");
    if (!CHANNEL.test(channel) || options.unknownChannels?.includes(channel))
      throw new SlackRefusal("channel_not_found");
    if (options.notInChannels?.includes(channel)) throw new SlackRefusal("not_in_channel");
    return channel;
  };
  const tsOf = (params: Record<string, unknown>, name: string, missing = "invalid_arguments"): string => {
    const ts = str(params, name);
    if (ts === undefined) throw new SlackRefusal(missing);
    if (!TS.test(ts))
      throw new SlackRefusal(name === "thread_ts" ? "invalid_thread_ts" : "message_not_found");
    return ts;
  };
  const insert = (map: Map<string, SlackStoredMessage[]>, key: string, message: SlackStoredMessage) => {
    const list = map.get(key) ?? [];
    list.push(message);
    list.sort((a, b) => (micros(a.ts) < micros(b.ts) ? -1 : micros(a.ts) > micros(b.ts) ? 1 : 0));
    map.set(key, list);
  };
  const addToThread = (channel: string, threadTs: string, message: SlackStoredMessage) => {
    insert(threads, `${channel}:${threadTs}`, message);
    if (message.ts === threadTs) insert(history, channel, message);
  };
  /** chat.postMessage's `metadata`: a JSON string (form) or an object (JSON body). */
  const metadataOf = (params: Record<string, unknown>): SlackMetadata | undefined => {
    const raw = params.metadata;
    if (raw === undefined || raw === null || raw === "") return undefined;
    let value: unknown = raw;
    if (typeof raw === "string") {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new SlackRefusal("invalid_metadata_format");
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new SlackRefusal("invalid_metadata_format");
    }
    const { event_type, event_payload } = value as Record<string, unknown>;
    if (
      typeof event_type !== "string" ||
      event_type === "" ||
      typeof event_payload !== "object" ||
      event_payload === null ||
      Array.isArray(event_payload)
    ) {
      throw new SlackRefusal("invalid_metadata_schema");
    }
    return { event_type, event_payload: event_payload as Record<string, unknown> };
  };
  /**
   * What the read methods share: messages after `oldest` and before `latest` (either end included with
   * `inclusive`), metadata only with `include_all_metadata`, at most `limit` per page.
   */
  const inWindow = (params: Record<string, unknown>, list: SlackStoredMessage[]) => {
    const bound = (name: string) => {
      const value = str(params, name);
      if (value !== undefined && !/^\d{1,12}(\.\d{1,9})?$/.test(value))
        throw new SlackRefusal(`invalid_ts_${name}`);
      return value === undefined ? undefined : micros(value);
    };
    const oldest = bound("oldest");
    const latest = bound("latest");
    const inclusive = ["true", "1"].includes(str(params, "inclusive") ?? "");
    const withMetadata = ["true", "1"].includes(str(params, "include_all_metadata") ?? "");
    return list
      .filter((m) => {
        const at = micros(m.ts);
        if (oldest !== undefined && (inclusive ? at < oldest : at <= oldest)) return false;
        if (latest !== undefined && (inclusive ? at > latest : at >= latest)) return false;
        return true;
      })
      .map(({ metadata, ...rest }) => (withMetadata && metadata ? { ...rest, metadata } : rest));
  };
  const limitOf = (params: Record<string, unknown>, limits: { default: number; max: number }) => {
    const limit = Number(str(params, "limit") ?? limits.default);
    if (!Number.isInteger(limit) || limit < 1) return limits.default;
    return Math.min(limits.max, limit);
  };

  /** The bot's message `ts` names in `channel` (`messages`; the reads hold copies, see `mirror`). */
  const ownMessage = (params: Record<string, unknown>): SlackPosted => {
    const channel = channelOf(params);
    const ts = tsOf(params, "ts", "message_not_found");
    const message = messages.find((m) => m.channel === channel && m.ts === ts);
    if (!message) throw new SlackRefusal("message_not_found");
    return message;
  };
  /** The stream `ts` names, still taking text (appended to within `streamIdleMs`). */
  const streamingMessage = (params: Record<string, unknown>): SlackPosted => {
    const message = ownMessage(params);
    const key = `${message.channel}:${message.ts}`;
    const last = streams.get(key);
    if (last !== undefined && Date.now() - last > streamIdleMs) {
      streams.delete(key);
      message.streaming_state = "completed";
      mirror(message);
    }
    if (message.streaming_state !== "in_progress") throw new SlackRefusal("message_not_in_streaming_state");
    streams.set(key, Date.now());
    return message;
  };
  /** A stream call's `markdown_text` (required for appends), at most 12,000 characters. */
  const streamText = (params: Record<string, unknown>, required: boolean): string => {
    const text = str(params, "markdown_text");
    if (text === undefined && required) throw new SlackRefusal("no_text");
    if ((text ?? "").length > STREAM_TEXT_LIMIT) throw new SlackRefusal("msg_too_long");
    return text ?? "";
  };
  /** Copies a changed message into the lists the read methods serve. */
  const mirror = (message: SlackPosted) => {
    const { channel: _channel, ...fields } = message;
    for (const list of [...threads.values(), ...history.values()]) {
      for (const [i, m] of list.entries()) if (m.ts === message.ts) list[i] = { ...fields };
    }
  };
  const remove = (message: SlackPosted) => {
    messages = messages.filter((m) => m !== message);
    for (const list of [...threads.values(), ...history.values()]) {
      const at = list.findIndex((m) => m.ts === message.ts);
      if (at >= 0) list.splice(at, 1);
    }
  };

  const methods: Record<string, (params: Record<string, unknown>) => Record<string, unknown>> = {
    "files.getUploadURLExternal"(params) {
      const name = str(params, "filename");
      const length = Number(str(params, "length"));
      if (!name) throw new SlackRefusal("invalid_arguments");
      if (!Number.isInteger(length) || length < 1) throw new SlackRefusal("invalid_arguments");
      const id = `F${String(++nextUpload).padStart(10, "0")}`;
      uploads.set(id, { name, length });
      return { upload_url: `${uploadBase}/upload/v1/${id}`, file_id: id };
    },
    "files.completeUploadExternal"(params) {
      let listed: unknown;
      try {
        listed = JSON.parse(str(params, "files") ?? "");
      } catch {
        throw new SlackRefusal("invalid_arguments");
      }
      if (!Array.isArray(listed) || listed.length === 0) throw new SlackRefusal("invalid_arguments");
      const shared: SlackSharedFile[] = [];
      for (const entry of listed as { id?: unknown; title?: unknown }[]) {
        const upload = uploads.get(String(entry.id));
        if (!upload?.bytes) throw new SlackRefusal("file_not_found");
        const file = files.add(upload.bytes, {
          contentType: upload.contentType ?? "application/octet-stream",
        });
        shared.push({
          id: file.id,
          name: upload.name,
          title: typeof entry.title === "string" ? entry.title : upload.name,
          mimetype: file.contentType,
          size: upload.bytes.byteLength,
        });
        uploads.delete(String(entry.id));
      }
      const channel = params.channel_id === undefined ? undefined : channelOf({ channel: params.channel_id });
      if (channel !== undefined) {
        const threadTs = params.thread_ts === undefined ? undefined : tsOf(params, "thread_ts");
        const message: SlackPosted = {
          type: "message",
          channel,
          ts: nextTs(),
          user: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          text: str(params, "initial_comment") ?? "",
          files: shared,
          ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
        };
        messages.push(message);
        const { channel: _stored, ...stored } = message;
        if (threadTs !== undefined) addToThread(channel, threadTs, stored);
        else insert(history, channel, stored);
      }
      return { files: shared.map((f) => ({ id: f.id, title: f.title })) };
    },
    "auth.test": () => ({
      url: "https://fake-workspace.slack.com/",
      team: "Fake Workspace",
      user: "relay_bot",
      team_id: FAKE_TEAM_ID,
      user_id: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      is_enterprise_install: false,
    }),
    "chat.postMessage"(params) {
      const channel = channelOf(params);
      const text = str(params, "text");
      if (text === undefined && str(params, "blocks") === undefined) throw new SlackRefusal("no_text");
      if ((text ?? "").length > 40_000) throw new SlackRefusal("msg_too_long");
      const threadTs = params.thread_ts === undefined ? undefined : tsOf(params, "thread_ts");
      const metadata = metadataOf(params);
      const message: SlackPosted = {
        type: "message",
        channel,
        ts: nextTs(),
        user: FAKE_BOT_USER_ID,
        bot_id: FAKE_BOT_ID,
        text: text ?? "",
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
        ...(metadata === undefined ? {} : { metadata }),
      };
      messages.push(message);
      const { channel: _stored, ...stored } = message;
      if (threadTs !== undefined) addToThread(channel, threadTs, stored);
      else insert(history, channel, stored);
      const { channel: _channel, ...shown } = message;
      return { channel, ts: message.ts, message: shown };
    },
    "chat.update"(params) {
      const message = ownMessage(params);
      if (message.streaming_state === "in_progress") throw new SlackRefusal("cant_update_message");
      const text = str(params, "text");
      if (text === undefined && str(params, "blocks") === undefined) throw new SlackRefusal("no_text");
      if ((text ?? "").length > 40_000) throw new SlackRefusal("msg_too_long");
      message.text = text ?? "";
      const metadata = metadataOf(params);
      if (metadata !== undefined) message.metadata = metadata;
      mirror(message);
      return { channel: message.channel, ts: message.ts, text: message.text };
    },
    "chat.delete"(params) {
      const message = ownMessage(params);
      remove(message);
      return { channel: message.channel, ts: message.ts };
    },
    "chat.startStream"(params) {
      if (options.streaming === false) throw new SlackRefusal("unknown_method");
      const channel = channelOf(params);
      const threadTs = tsOf(params, "thread_ts", "invalid_arguments");
      if (!channel.startsWith("D")) {
        if (str(params, "recipient_user_id") === undefined)
          throw new SlackRefusal("missing_recipient_user_id");
        if (str(params, "recipient_team_id") === undefined)
          throw new SlackRefusal("missing_recipient_team_id");
      }
      const message: SlackPosted = {
        type: "message",
        channel,
        ts: nextTs(),
        user: FAKE_BOT_USER_ID,
        bot_id: FAKE_BOT_ID,
        text: streamText(params, false),
        thread_ts: threadTs,
        streaming_state: "in_progress",
      };
      messages.push(message);
      const { channel: _stored, ...stored } = message;
      addToThread(channel, threadTs, stored);
      streams.set(`${channel}:${message.ts}`, Date.now());
      return { channel, ts: message.ts };
    },
    "chat.appendStream"(params) {
      if (options.streaming === false) throw new SlackRefusal("unknown_method");
      const message = streamingMessage(params);
      message.text += streamText(params, true);
      mirror(message);
      return { channel: message.channel, ts: message.ts };
    },
    "chat.stopStream"(params) {
      if (options.streaming === false) throw new SlackRefusal("unknown_method");
      const message = streamingMessage(params);
      message.text += streamText(params, false);
      const metadata = metadataOf(params);
      if (metadata !== undefined) message.metadata = metadata;
      message.streaming_state = "completed";
      streams.delete(`${message.channel}:${message.ts}`);
      mirror(message);
      const { channel: _channel, ...shown } = message;
      return { channel: message.channel, ts: message.ts, message: shown };
    },
    "reactions.add"(params) {
      const channel = channelOf(params);
      const ts = tsOf(params, "timestamp", "no_item_specified");
      const name = str(params, "name");
      if (name === undefined || !/^[a-z0-9_+'-]+$/.test(name)) throw new SlackRefusal("invalid_name");
      const key = `${channel}:${ts}`;
      const set = reactions.get(key) ?? new Set<string>();
      if (set.has(name)) throw new SlackRefusal("already_reacted");
      set.add(name);
      reactions.set(key, set);
      return {};
    },
    "reactions.remove"(params) {
      const channel = channelOf(params);
      const ts = tsOf(params, "timestamp", "no_item_specified");
      const name = str(params, "name");
      const set = reactions.get(`${channel}:${ts}`);
      if (name === undefined || !set?.delete(name)) throw new SlackRefusal("no_reaction");
      if (set.size === 0) reactions.delete(`${channel}:${ts}`);
      return {};
    },
    "assistant.threads.setStatus"(params) {
      channelOf(params, "channel_id");
      tsOf(params, "thread_ts");
      if (params.status === undefined) throw new SlackRefusal("invalid_arguments");
      return {};
    },
    "conversations.open"(params) {
      // A DM with one user: the same D… channel every time (`users` is comma-separated; one is a DM).
      const users = str(params, "users")?.split(",") ?? [];
      if (users.length !== 1 || !/^[UW][A-Z0-9]{2,}$/.test(users[0] ?? ""))
        throw new SlackRefusal("user_not_found");
      if (options.missingScopes?.includes("im:write")) throw new SlackRefusal("missing_scope");
      const channel = `D${(users[0] as string).slice(1)}`;
      return { channel: { id: channel } };
    },
    "conversations.replies"(params) {
      const channel = channelOf(params);
      const ts = tsOf(params, "ts", "invalid_arguments");
      const thread = threads.get(`${channel}:${ts}`);
      if (!thread) throw new SlackRefusal("thread_not_found");
      const list = inWindow(params, thread);
      const limit = limitOf(params, REPLIES_LIMIT);
      const start =
        Number(
          Buffer.from(str(params, "cursor") ?? "", "base64")
            .toString("utf8")
            .slice(4),
        ) || 0;
      const page = list.slice(start, start + limit);
      const more = start + limit < list.length;
      return {
        messages: page,
        has_more: more,
        response_metadata: {
          next_cursor: more ? Buffer.from(`off:${start + limit}`).toString("base64") : "",
        },
      };
    },
    "conversations.history"(params) {
      const channel = channelOf(params);
      // Newest first; the cursor names the last message given (`next_ts:<ts>`), as Slack's do.
      const all = inWindow(params, history.get(channel) ?? []).reverse();
      const after = str(params, "cursor");
      let start = 0;
      if (after !== undefined) {
        const ts = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(after, "base64").toString("utf8"))?.[1];
        if (ts === undefined) throw new SlackRefusal("invalid_cursor");
        start = all.findIndex((m) => micros(m.ts) < micros(ts));
        if (start < 0) start = all.length;
      }
      const limit = limitOf(params, HISTORY_LIMIT);
      const page = all.slice(start, start + limit);
      const more = start + limit < all.length;
      const last = page.at(-1);
      return {
        messages: page,
        has_more: more,
        pin_count: 0,
        channel_actions_ts: null,
        channel_actions_count: 0,
        response_metadata: {
          next_cursor: more && last ? Buffer.from(`next_ts:${last.ts}`).toString("base64") : "",
        },
      };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const upload = /^\/upload\/v1\/([^/]+)$/.exec(url.pathname);
    if (upload) return receiveUpload(decodeURIComponent(upload[1] as string), req, res);
    const file = /^\/files-pri\/([^/]+)$/.exec(url.pathname);
    if (file) {
      const bearer = (auth?: string) => tokens.some((t) => auth === `Bearer ${t}`);
      return files.serve(decodeURIComponent(file[1] as string), req, res, bearer);
    }
    const method = url.pathname.replace(/^\/+/, "");
    const body = await readBody(req);
    const contentType = req.headers["content-type"];
    const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    let json = false;
    if (body.length > 0 && type === "application/x-www-form-urlencoded") {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
    } else if (body.length > 0 && type === "application/json") {
      json = true;
      try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        if (
          typeof parsed === "object" &&
          parsed !== null &&
          !Array.isArray(parsed) &&
          !READ_METHODS.has(method)
        )
          Object.assign(params, parsed);
      } catch {
        const call: SlackCall = { method, params, token: undefined, contentType, at: Date.now() };
        log.push(call);
        respond(res, call, slackErrors.error("invalid_json"));
        return;
      }
    }
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
    const token = bearer ?? str(params, "token");
    delete params.token;
    const call: SlackCall = { method, params, token, contentType, at: Date.now() };
    log.push(call);

    if (token === undefined) return respond(res, call, slackErrors.error("not_authed"));
    if (!tokens.includes(token)) return respond(res, call, slackErrors.error("invalid_auth"));
    const reply = scripted.take(call);
    if (reply && "destroy" in reply) {
      res.destroy();
      return;
    }
    if (reply && "delayMs" in reply && reply.delayMs) await sleep(reply.delayMs);
    if (reply && "status" in reply) return respond(res, call, reply);
    const wait = limits.take(method);
    if (wait > 0) return respond(res, call, slackErrors.ratelimited(wait));
    const impl = methods[method];
    if (!impl) return respond(res, call, { status: 404, body: { ok: false, error: "unknown_method" } });
    if (json && READ_METHODS.has(method) && method !== "auth.test") {
      return respond(res, call, slackErrors.error("invalid_arguments"));
    }
    try {
      const body = { ok: true, ...impl(params) };
      if (reply && "lost" in reply) {
        res.destroy();
        return;
      }
      respond(res, call, { status: 200, body });
    } catch (error) {
      if (error instanceof SlackRefusal) respond(res, call, slackErrors.error(error.message));
      else throw error;
    }
  };

  /**
   * The upload URL: the file's bytes as the body (raw, or a multipart form's `file`), no token (the URL is
   * the credential); 200 `OK - <length>`, as files.slack.com answers.
   */
  const receiveUpload = async (id: string, req: IncomingMessage, res: ServerResponse) => {
    const pending = uploads.get(id);
    const body = await readBody(req);
    const type = req.headers["content-type"] ?? "";
    if (!pending || req.method !== "POST") {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("Not Found");
    }
    let bytes = new Uint8Array(body);
    let contentType = type.split(";")[0]?.trim() || undefined;
    if (type.startsWith("multipart/form-data")) {
      const form = await new Response(bytes, { headers: { "content-type": type } }).formData();
      const part = form.get("file") as unknown as Blob | null;
      if (!part || typeof part === "string") {
        res.writeHead(400, { "content-type": "text/plain" });
        return void res.end("no file");
      }
      bytes = new Uint8Array(await part.arrayBuffer());
      contentType = part.type || undefined;
    }
    uploads.set(id, { ...pending, bytes, ...(contentType ? { contentType } : {}) });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`OK - ${bytes.byteLength}`);
  };

  const server: LoopbackServer = await listen(handle, (error) => errors.push(error));
  uploadBase = server.url;

  return {
    url: server.url,
    token: tokens[0] as string,
    uploads,
    get calls() {
      return log.items;
    },
    get messages() {
      return messages;
    },
    reactions,
    errors,
    script: (method, reply, scriptOptions = {}) => {
      const when = scriptOptions.when;
      scripted.push(reply, {
        ...scriptOptions,
        when: (call) => (method === "*" || call.method === method) && (when ? when(call) : true),
      });
    },
    sent(channel, threadTs) {
      return messages
        .filter((m) => channel === undefined || m.channel === channel)
        .filter((m) => threadTs === undefined || m.thread_ts === threadTs)
        .map((m) => m.text);
    },
    callsOf: (method) => log.items.filter((c) => c.method === method),
    addToThread(channel, threadTs, message) {
      addToThread(channel, threadTs, {
        type: "message",
        text: "",
        ...message,
        ts: message.ts ?? nextTs(),
        thread_ts: threadTs,
      });
    },
    addToChannel(channel, message) {
      const ts = message.ts ?? nextTs();
      insert(history, channel, { type: "message", text: "", ...message, ts });
      return ts;
    },
    waitFor: (predicate, timeoutMs = 2000) =>
      log.waitFor(
        predicate,
        timeoutMs,
        (c) => `${c.method} ${JSON.stringify(c.params)} → ${c.response?.status ?? "…"}`,
      ),
    files,
    fileUrl: (id) => `${server.url}/files-pri/${encodeURIComponent(id)}`,
    reset() {
      files.reset();
      uploads.clear();
      log.clear();
      scripted.reset();
      messages = [];
      threads.clear();
      history.clear();
      reactions.clear();
      limits.reset();
      streams.clear();
    },
    close: () => server.close(),
  };
}

function respond(res: ServerResponse, call: SlackCall, reply: SlackHttpReply): void {
  call.response = { status: reply.status, body: reply.body };
  if (typeof reply.body === "string") {
    res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
    res.end(reply.body);
    return;
  }
  sendJson(res, reply.status, reply.body, reply.headers);
}

export * from "./slack-events.ts";
