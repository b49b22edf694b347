/**
 * Slack, as the suite sees it: POST /slack/events signed with `v0=` HMAC-SHA256 over
 * `v0:{timestamp}:{body}` and a 5-minute replay window; event_callback payloads of every kind (built
 * with the fake's Events API builders), url_verification and app_rate_limited; the fake Web API for the
 * fault simulation, where conversations are direct messages (one FIFO group each).
 */
import { createHmac } from "node:crypto";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackErrors,
  slackEventCallback,
  slackMentionEvent,
  slackMessageEvent,
  startSlack,
} from "../../../emulators/slack.ts";
import { edgeString, randomText } from "../corpus.ts";
import type { Rng } from "../rng.ts";
import {
  type ChannelProfile,
  deliverSigned,
  hiddenValues,
  type Route,
  type Seed,
  type Signing,
  type SimPlatform,
} from "./profile.ts";

const ROUTE: Route = { method: "POST", path: "/slack/events" };
const OTHER_SECRET = "fedcba9876543210fedcba9876543210";
/** Conversations are DMs D0SIM0000, D0SIM0001 …; the answer goes to the DM, top level. */
const channelOf = (conversation: number) => `D0SIM${String(conversation).padStart(4, "0")}`;
const tsOf = (eventNumber: number) => `1795000000.${String(eventNumber % 1_000_000).padStart(6, "0")}`;

const signing: Signing = {
  authHeaders: ["x-slack-signature", "x-slack-request-timestamp"],
  signatureHeader: "x-slack-signature",
  timestampHeader: "x-slack-request-timestamp",
  replayWindowSeconds: 300,
  coversBody: true,
  async sign(_route, body, { nowMs, other }) {
    // The fake's slackHeaders signs strings; fuzzed bodies are bytes (invalid UTF-8 included).
    const timestamp = String(Math.floor(nowMs / 1000));
    const hmac = createHmac("sha256", other ? OTHER_SECRET : DEFAULT_SIGNING_SECRET)
      .update(`v0:${timestamp}:`)
      .update(body);
    return {
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": `v0=${hmac.digest("hex")}`,
      },
    };
  },
};

function seed(rng: Rng): Seed {
  const text = rng.chance(0.3) ? edgeString(rng) : randomText(rng, rng.range(1, 200));
  const user = rng.chance(0.5) ? "U0ALLOWED1" : `U${rng.range(10_000, 99_999)}`;
  const eventId = `Ev${rng
    .range(1, 2 ** 40)
    .toString(36)
    .toUpperCase()}`;
  const kind = rng.weighted([
    [35, "direct message"],
    [15, "mention"],
    [8, "thread reply"],
    [6, "channel chatter"],
    [6, "bot message"],
    [5, "edited (subtype)"],
    [5, "no authorizations"],
    [5, "url_verification"],
    [4, "app_rate_limited"],
    [4, "command"],
    [4, "file share"],
    [3, "other event type"],
  ] as const);
  const callback = (event: object, botUserId?: string | null) => ({
    kind,
    route: ROUTE,
    body: slackEventCallback(event, { eventId, ...(botUserId === undefined ? {} : { botUserId }) }),
  });
  const ts = tsOf(rng.int(1_000_000));
  switch (kind) {
    case "mention":
      return callback(slackMentionEvent({ text, user, ts, channel: "C0CHANNEL1" }));
    case "thread reply":
      return callback(
        slackMessageEvent({ text, user, ts, channel: "C0CHANNEL1", threadTs: tsOf(rng.int(1000)) }),
      );
    case "channel chatter":
      return callback(slackMessageEvent({ text, user, ts, channel: "C0CHANNEL1" }));
    case "bot message":
      return callback(slackMessageEvent({ text, user, ts, botId: "B0OTHERBOT", subtype: "bot_message" }));
    case "edited (subtype)":
      return callback(slackMessageEvent({ text, user, ts, subtype: "message_changed" }));
    case "no authorizations":
      return callback(slackMessageEvent({ text, user, ts, channel: "C0CHANNEL1", threadTs: ts }), null);
    case "url_verification":
      return {
        kind,
        route: ROUTE,
        body: { token: "x", challenge: randomText(rng, 40), type: "url_verification" },
      };
    case "app_rate_limited":
      return { kind, route: ROUTE, body: { type: "app_rate_limited", minute_rate_limited: 1_795_000_000 } };
    case "command":
      return callback(
        slackMessageEvent({ text: `${rng.pick(["/new", "/help", "/start", "/other"])} ${text}`, user, ts }),
      );
    case "file share":
      return callback(
        slackMessageEvent({
          text,
          user,
          ts,
          subtype: "file_share",
          files: [
            {
              id: "F0FILE0001",
              name: "a.png",
              mimetype: "image/png",
              size: 10,
              url_private: "https://files.slack.com/a.png",
            },
          ] as never,
        }),
      );
    case "other event type":
      return callback({
        type: rng.pick(["reaction_added", "member_joined_channel", "app_home_opened"]),
        user,
        ts,
      });
    default:
      return callback(slackMessageEvent({ text, user, ts }));
  }
}

/** The fake Web API; chat.postMessage calls Slack accepted are the replies. */
async function startPlatform(): Promise<SimPlatform> {
  const fake = await startSlack();
  return {
    url: fake.url,
    env: (apiUrl) => ({ SLACK_API_URL: apiUrl }),
    deliver: (message, send) =>
      deliverSigned(
        signing,
        ROUTE,
        slackEventCallback(
          slackMessageEvent({
            text: message.text ?? message.token,
            user: message.userId,
            channel: channelOf(message.conversation),
            ts: tsOf(message.eventNumber),
          }),
          { eventId: `Ev${message.eventNumber}` },
        ),
        send,
      ),
    envelopeIdOf: (message) => `slack:Ev${message.eventNumber}`,
    // Slack repeats a failed delivery 3 times (after ~1 s, 1 min and 5 min).
    retries: 3,
    // Each message the bot posted (or streamed), with the text it ends with: a streamed answer is posted
    // with its first words and updated as it grows (the updates that succeeded, in order, the last one wins).
    sent: () => {
      const ok = fake.calls.filter(
        (call) => (call.response?.body as { ok?: boolean } | undefined)?.ok === true,
      );
      const tsOfCall = (call: (typeof ok)[number]) =>
        String((call.response?.body as { ts?: string } | undefined)?.ts ?? call.params.ts ?? "");
      const key = (channel: unknown, ts: string) => `${String(channel)}:${ts}`;
      const final = new Map<string, string>();
      for (const call of ok)
        if (call.method === "chat.update")
          final.set(key(call.params.channel, tsOfCall(call)), String(call.params.text ?? ""));
      return ok
        .filter((call) => call.method === "chat.postMessage" || call.method === "chat.startStream")
        .map((call) => {
          const channel = String(call.params.channel ?? "");
          return {
            conversation: channel.startsWith("D0SIM") ? Number(channel.slice(5)) : undefined,
            replyTo: undefined,
            text:
              final.get(key(channel, tsOfCall(call))) ??
              String(call.params.text ?? call.params.markdown_text ?? ""),
            at: call.at,
          };
        });
    },
    isSend: (_method, path) => path.split("?")[0] === "/chat.postMessage",
    tooManyRequests: (seconds) => {
      const reply = slackErrors.ratelimited(seconds);
      return { status: reply.status, headers: reply.headers ?? {}, body: JSON.stringify(reply.body) };
    },
    serverError: () => ({
      status: 503,
      headers: { "content-type": "text/plain" },
      body: "upstream connect error",
    }),
    hidden: () => [],
    close: () => fake.close(),
  };
}

/** Slack's profile. */
export async function slackProfile(): Promise<ChannelProfile> {
  return {
    channel: "slack",
    routes: [ROUTE],
    secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
    hidden: hiddenValues({
      "slack bot_token": DEFAULT_SLACK_TOKEN,
      "slack signing_secret": DEFAULT_SIGNING_SECRET,
    }),
    users: {
      allowed: () => "U0ALLOWED1",
      stranger: () => "U0STRANGE1",
    },
    signing,
    env: {},
    seed,
    startPlatform,
  };
}
