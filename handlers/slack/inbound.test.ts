import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  FAKE_BOT_USER_ID as BOT,
  slackEventCallback,
  slackMentionEvent,
  slackMessageEvent,
} from "../../emulators/slack.ts";
import {
  botUserIdOf,
  EventCallbackSchema,
  needsBotUserId,
  SlackRequestSchema,
  toEnvelope,
} from "./inbound.ts";
import { SlackReplySchema } from "./reply.ts";

const NOW = 1_700_000_000_000;
const me = { userId: BOT };

/** Parses a payload as the ingress does and reads it. */
function read(event: object, options: Parameters<typeof slackEventCallback>[1] = {}, bot = me) {
  const payload = v.parse(EventCallbackSchema, slackEventCallback(event, options));
  return toEnvelope(payload, bot, NOW);
}

function envelopeOf(result: ReturnType<typeof read>) {
  if (!("envelope" in result)) throw new Error(`not an envelope: ${JSON.stringify(result)}`);
  expect(v.safeParse(SlackReplySchema, result.envelope.reply).success).toBe(true);
  return result.envelope;
}

describe("direct messages", () => {
  test("a top-level DM: one session per DM, answered top level", () => {
    const envelope = envelopeOf(
      read(slackMessageEvent({ text: "hello &amp; welcome", ts: "1700000000.000100" }), { eventId: "Ev01" }),
    );
    expect(envelope).toEqual({
      v: 1,
      channel: "slack",
      eventId: "Ev01",
      conversation: "D0DMCHAN01",
      user: { id: "U0HUMAN001" },
      text: "hello & welcome",
      attachments: [],
      reply: {
        channel: "D0DMCHAN01",
        ts: "1700000000.000100",
        assistant: false,
        user: "U0HUMAN001",
        team: "T0FAKETEAM",
      },
      receivedAt: NOW,
    });
  });

  test("a DM in a thread (the assistant container): that thread's session, status via setStatus", () => {
    const envelope = envelopeOf(
      read(slackMessageEvent({ text: "hi", ts: "1700000000.000200", threadTs: "1700000000.000100" })),
    );
    expect(envelope.thread).toBe("1700000000.000100");
    expect(envelope.reply).toEqual({
      channel: "D0DMCHAN01",
      ts: "1700000000.000200",
      threadTs: "1700000000.000100",
      assistant: true,
      user: "U0HUMAN001",
      team: "T0FAKETEAM",
    });
  });

  test("a DM needs no bot user id", () => {
    const payload = v.parse(
      EventCallbackSchema,
      slackEventCallback(slackMessageEvent({ text: "x" }), { botUserId: null }),
    );
    expect(needsBotUserId(payload)).toBe(false);
    expect("envelope" in toEnvelope(payload, { userId: undefined }, NOW)).toBe(true);
  });

  test("commands: /new and /help (or /start), the rest of the text kept", () => {
    expect(envelopeOf(read(slackMessageEvent({ text: "/new" }))).command).toBe("new");
    const help = envelopeOf(read(slackMessageEvent({ text: "/HELP me" })));
    expect([help.command, help.text]).toEqual(["help", "me"]);
    expect(envelopeOf(read(slackMessageEvent({ text: "/start" }))).command).toBe("help");
    const other = envelopeOf(read(slackMessageEvent({ text: "/other thing" })));
    expect([other.command, other.text]).toEqual([undefined, "/other thing"]);
  });

  test("files are passed as metadata: kind from the MIME type, the private URL as id", () => {
    const files = [
      {
        id: "F1",
        name: "a.png",
        mimetype: "image/png",
        size: 10,
        url_private: "https://files.slack.com/a.png",
      },
      { id: "F2", name: null, mimetype: "application/pdf" },
      { id: "F3", mimetype: "audio/webm" },
    ] as never;
    const envelope = envelopeOf(read(slackMessageEvent({ text: "", subtype: "file_share", files })));
    expect(envelope.attachments).toEqual([
      { kind: "image", id: "https://files.slack.com/a.png", mime: "image/png", size: 10, name: "a.png" },
      { kind: "document", id: "F2", mime: "application/pdf" },
      { kind: "audio", id: "F3", mime: "audio/webm" },
    ]);
  });
});

describe("channels", () => {
  test("a mention: answered in the thread of the mention, the mention removed", () => {
    const envelope = envelopeOf(
      read(slackMentionEvent({ text: "what time is it?", ts: "1700000000.000300" })),
    );
    expect(envelope).toMatchObject({
      conversation: "C0CHANNEL1",
      thread: "1700000000.000300",
      text: "what time is it?",
      reply: {
        channel: "C0CHANNEL1",
        ts: "1700000000.000300",
        threadTs: "1700000000.000300",
        assistant: false,
      },
    });
  });

  test("a mention inside a thread: answered in that thread", () => {
    const envelope = envelopeOf(
      read(slackMentionEvent({ text: "and now?", ts: "1700000000.000400", threadTs: "1700000000.000300" })),
    );
    expect(envelope.thread).toBe("1700000000.000300");
    expect(envelope.reply).toMatchObject({ ts: "1700000000.000400", threadTs: "1700000000.000300" });
  });

  test("a thread reply without a mention: queued for the worker's thread check", () => {
    const envelope = envelopeOf(
      read(
        slackMessageEvent({
          text: "thanks",
          channel: "C0CHANNEL1",
          ts: "1700000000.000500",
          threadTs: "1700000000.000300",
        }),
      ),
    );
    expect(envelope.reply).toEqual({
      channel: "C0CHANNEL1",
      ts: "1700000000.000500",
      threadTs: "1700000000.000300",
      assistant: false,
      requireBotInThread: BOT,
      user: "U0HUMAN001",
      team: "T0FAKETEAM",
    });
  });

  test("a reply in a thread the bot started needs no check", () => {
    const event = slackMessageEvent({
      text: "ok",
      channel: "G0PRIVATE1",
      threadTs: "1700000000.000300",
      parentUserId: BOT,
    });
    expect(envelopeOf(read(event)).reply).not.toHaveProperty("requireBotInThread");
  });

  test("a thread reply needs the bot user id; without authorizations the ingress asks auth.test", () => {
    const event = slackMessageEvent({ text: "x", channel: "C0CHANNEL1", threadTs: "1700000000.000300" });
    const payload = v.parse(EventCallbackSchema, slackEventCallback(event, { botUserId: null }));
    expect(needsBotUserId(payload)).toBe(true);
    expect(botUserIdOf(payload)).toBeUndefined();
    expect(toEnvelope(payload, { userId: undefined }, NOW)).toEqual({ ignored: "bot user unknown" });
    const withAuth = v.parse(EventCallbackSchema, slackEventCallback(event));
    expect([needsBotUserId(withAuth), botUserIdOf(withAuth)]).toEqual([false, BOT]);
  });
});

describe("ignored (200, never queued)", () => {
  const cases: [string, object, string][] = [
    [
      "channel chatter",
      slackMessageEvent({ text: "hi all", channel: "C0CHANNEL1" }),
      "channel message not addressed to the bot",
    ],
    [
      "the message copy of a mention (its app_mention is answered)",
      slackMessageEvent({ text: `<@${BOT}> hi`, channel: "C0CHANNEL1", threadTs: "1700000000.000300" }),
      "mention (answered as app_mention)",
    ],
    [
      "a mention in a DM (message.im has it)",
      slackMentionEvent({ text: "x", channel: "D0DMCHAN01" }),
      "mention in a direct message",
    ],
    ["our own message", slackMessageEvent({ text: "echo", user: BOT }), "sent by the bot itself"],
    ["another bot", slackMessageEvent({ text: "beep", botId: "B0OTHER001" }), "sent by a bot"],
    ["a bot_message", slackMessageEvent({ text: "beep", subtype: "bot_message" }), "subtype bot_message"],
    [
      "an edit",
      { type: "message", subtype: "message_changed", channel: "D0DMCHAN01", ts: "1.2", message: {} },
      "subtype message_changed",
    ],
    [
      "a join",
      slackMessageEvent({ text: "joined", channel: "C0CHANNEL1", subtype: "channel_join" }),
      "subtype channel_join",
    ],
    [
      "another event type",
      { type: "assistant_thread_started", assistant_thread: {} },
      "event assistant_thread_started",
    ],
  ];
  for (const [name, event, reason] of cases) {
    test(name, () => {
      expect(read(event)).toEqual({ ignored: reason });
    });
  }

  test("a message without a user", () => {
    const event = slackMessageEvent({ text: "x" }) as unknown as Record<string, unknown>;
    delete event.user;
    expect(read(event)).toEqual({ ignored: "no sender" });
  });
});

describe("malformed", () => {
  test("an event we act on but cannot read is invalid, with the path", () => {
    expect(read({ ...slackMessageEvent({ text: "x" }), ts: "yesterday" })).toEqual({ invalid: "event.ts" });
    expect(read({ ...slackMessageEvent({ text: "x" }), channel: 42 })).toEqual({ invalid: "event.channel" });
  });

  test("the request schema takes Slack's three request types only", () => {
    expect(v.safeParse(SlackRequestSchema, { type: "url_verification", challenge: "abc" }).success).toBe(
      true,
    );
    expect(
      v.safeParse(SlackRequestSchema, { type: "app_rate_limited", minute_rate_limited: 1 }).success,
    ).toBe(true);
    expect(
      v.safeParse(SlackRequestSchema, slackEventCallback(slackMessageEvent({ text: "x" }))).success,
    ).toBe(true);
    for (const bad of [
      { type: "url_verification" },
      { type: "event_callback", event_id: "Ev1" },
      { type: "event_callback", event: { type: "message" } },
      { type: "event_callback", event_id: "Ev 1", event: { type: "message" } },
      { type: "block_actions" },
      { challenge: "x" },
    ]) {
      expect(v.safeParse(SlackRequestSchema, bad).success).toBe(false);
    }
  });
});

test("channel chatter goes on, marked not addressed, in a thread of its own, only with the group policy always", () => {
  const event = slackMessageEvent({ text: "lunch?", channel: "C0CHATTER", channelType: "channel" });
  const payload = v.parse(EventCallbackSchema, slackEventCallback(event));
  expect(toEnvelope(payload, me, NOW)).toEqual({ ignored: "channel message not addressed to the bot" });
  expect(toEnvelope(payload, me, NOW, "always")).toMatchObject({
    envelope: { text: "lunch?", group: true, addressed: false, thread: payload.event.ts },
  });
});
