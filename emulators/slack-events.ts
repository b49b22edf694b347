/**
 * The Events API side of fake Slack: the payloads Slack POSTs to a request URL (event_callback around
 * message and app_mention events, as @slack/types describes them) and the headers it signs them with.
 * Re-exported by emulators/slack.ts.
 */
import { createHmac } from "node:crypto";
import type { AppMentionEvent, GenericMessageEvent } from "@slack/types";

/** A signing secret in Slack's format (32 hex digits). */
export const DEFAULT_SIGNING_SECRET = "0123456789abcdef0123456789abcdef";
/** The bot user of the fake workspace. */
export const FAKE_BOT_USER_ID = "U0BOTUSER1";
export const FAKE_BOT_ID = "B0BOTID001";
export const FAKE_TEAM_ID = "T0FAKETEAM";

let nextEvent = 1000;
let nextTsSeq = 0;

/** A fresh message timestamp (unique within the process). */
export function slackTs(): string {
  return `${Math.floor(Date.now() / 1000)}.${String(++nextTsSeq).padStart(6, "0")}`;
}

/** Input for {@link slackMessageEvent} and {@link slackMentionEvent}. */
export interface SlackMessageInput {
  text: string;
  /** Sender (default U0HUMAN001). */
  user?: string;
  /** Default: a DM channel `D0DMCHAN01` for messages, `C0CHANNEL1` for mentions. */
  channel?: string;
  /** Default `im` for D… channels, `channel` otherwise. */
  channelType?: "im" | "channel" | "group" | "mpim";
  ts?: string;
  threadTs?: string;
  parentUserId?: string;
  subtype?: string;
  botId?: string;
  files?: GenericMessageEvent["files"];
}

/** A `message` event as Slack sends it (message.im, message.channels …). */
export function slackMessageEvent(input: SlackMessageInput): GenericMessageEvent {
  const channel = input.channel ?? "D0DMCHAN01";
  const ts = input.ts ?? slackTs();
  const event = {
    type: "message",
    user: input.user ?? "U0HUMAN001",
    text: input.text,
    ts,
    client_msg_id: crypto.randomUUID(),
    team: FAKE_TEAM_ID,
    blocks: [],
    channel,
    event_ts: ts,
    channel_type: input.channelType ?? (channel.startsWith("D") ? "im" : "channel"),
    ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    ...(input.parentUserId ? { parent_user_id: input.parentUserId } : {}),
    ...(input.subtype ? { subtype: input.subtype } : {}),
    ...(input.botId ? { bot_id: input.botId } : {}),
    ...(input.files ? { files: input.files } : {}),
  };
  return event as GenericMessageEvent;
}

/** An `app_mention` event: the text starts with the bot's mention, as Slack writes it. */
export function slackMentionEvent(input: SlackMessageInput & { botUserId?: string }): AppMentionEvent {
  const ts = input.ts ?? slackTs();
  return {
    type: "app_mention",
    user: input.user ?? "U0HUMAN001",
    text: `<@${input.botUserId ?? FAKE_BOT_USER_ID}> ${input.text}`,
    ts,
    client_msg_id: crypto.randomUUID(),
    team: FAKE_TEAM_ID,
    channel: input.channel ?? "C0CHANNEL1",
    event_ts: ts,
    ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
  } as AppMentionEvent;
}

/** Options for {@link slackEventCallback}. */
export interface EventCallbackOptions {
  eventId?: string;
  /** The bot user in `authorizations` (default {@link FAKE_BOT_USER_ID}); `null` leaves `authorizations` out. */
  botUserId?: string | null;
}

/** The `event_callback` envelope Slack wraps every event in. */
export function slackEventCallback(
  event: object,
  options: EventCallbackOptions = {},
): Record<string, unknown> {
  const botUserId = options.botUserId === undefined ? FAKE_BOT_USER_ID : options.botUserId;
  return {
    token: "verification-token-deprecated",
    team_id: FAKE_TEAM_ID,
    context_team_id: FAKE_TEAM_ID,
    context_enterprise_id: null,
    api_app_id: "A0FAKEAPP1",
    event,
    type: "event_callback",
    event_id: options.eventId ?? `Ev0FAKE${++nextEvent}`,
    event_time: Math.floor(Date.now() / 1000),
    ...(botUserId === null
      ? {}
      : {
          authorizations: [
            {
              enterprise_id: null,
              team_id: FAKE_TEAM_ID,
              user_id: botUserId,
              is_bot: true,
              is_enterprise_install: false,
            },
          ],
        }),
    is_ext_shared_channel: false,
    event_context: `4-fake-${nextEvent}`,
  };
}

/** Options for {@link slackHeaders}. */
export interface SignOptions {
  signingSecret?: string;
  /** Unix seconds (default now). */
  timestamp?: number;
  /** Set on Slack's retries: 1, 2, 3. */
  retryNum?: number;
  retryReason?: string;
}

/** The headers Slack sends with a request body: content type, timestamp, `v0=` signature, retry info. */
export function slackHeaders(body: string, options: SignOptions = {}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", options.signingSecret ?? DEFAULT_SIGNING_SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest("hex");
  return {
    "content-type": "application/json",
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": `v0=${signature}`,
    ...(options.retryNum === undefined
      ? {}
      : {
          "x-slack-retry-num": String(options.retryNum),
          "x-slack-retry-reason": options.retryReason ?? "http_timeout",
        }),
  };
}

/** POSTs a payload to a request URL as Slack does (JSON, signed); resolves with the status and body. */
export async function deliverSlack(
  url: string,
  payload: object,
  options: SignOptions = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, { method: "POST", headers: slackHeaders(body, options), body });
  return { status: response.status, body: await response.text(), headers: response.headers };
}
