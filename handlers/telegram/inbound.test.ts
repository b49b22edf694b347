import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { type BotIdentity, needsUsername, type TelegramUpdate, toEnvelope, UpdateSchema } from "./inbound.ts";

const bot: BotIdentity = { id: 999, username: "RelayBot" };
const NOW = 1_700_000_000_000;

function update(message: Record<string, unknown>, id = 1): TelegramUpdate {
  return v.parse(UpdateSchema, {
    update_id: id,
    message: {
      message_id: 10,
      date: 1_700_000_000,
      chat: { id: 42, type: "private" },
      from: { id: 7, is_bot: false, first_name: "Ada", last_name: "L" },
      ...message,
    },
  });
}

const group = { chat: { id: -100, type: "supergroup" } };
const envelopeOf = (u: TelegramUpdate) => {
  const result = toEnvelope(u, bot, NOW);
  if (!("envelope" in result)) throw new Error(`ignored: ${result.ignored}`);
  return result.envelope;
};

describe("private chats", () => {
  test("a text message becomes an envelope", () => {
    expect(envelopeOf(update({ text: "hi there" }))).toEqual({
      v: 1,
      channel: "telegram",
      eventId: "1",
      conversation: "42",
      user: { id: "7", name: "Ada L" },
      text: "hi there",
      attachments: [],
      reply: { chatId: 42, messageId: 10, private: true },
      receivedAt: NOW,
    });
  });

  test("commands: /start and /help ask for help, /new resets, others go to the agent", () => {
    const cmd = (text: string) =>
      update({
        text,
        entities: [
          { type: "bot_command", offset: 0, length: text.indexOf(" ") < 0 ? text.length : text.indexOf(" ") },
        ],
      });
    expect(envelopeOf(cmd("/start"))).toMatchObject({ command: "help", text: "" });
    expect(envelopeOf(cmd("/help"))).toMatchObject({ command: "help" });
    expect(envelopeOf(cmd("/new@RelayBot"))).toMatchObject({ command: "new" });
    const other = envelopeOf(cmd("/weather Paris"));
    expect(other.command).toBeUndefined();
    expect(other.text).toBe("/weather Paris");
  });

  test("media become attachments with the caption as text", () => {
    const e = envelopeOf(
      update({
        caption: "what is this?",
        photo: [
          { file_id: "small", width: 90, height: 90, file_size: 1000 },
          { file_id: "large", width: 900, height: 900, file_size: 90000 },
        ],
      }),
    );
    expect(e.text).toBe("what is this?");
    expect(e.attachments).toEqual([{ kind: "image", id: "large", mime: "image/jpeg", size: 90000 }]);
    const voice = envelopeOf(
      update({ voice: { file_id: "v1", mime_type: "audio/ogg", file_size: 5, duration: 2 } }),
    );
    expect(voice.attachments).toEqual([{ kind: "voice", id: "v1", mime: "audio/ogg", size: 5 }]);
    const doc = envelopeOf(
      update({ document: { file_id: "d1", file_name: "a.pdf", mime_type: "application/pdf" } }),
    );
    expect(doc.attachments).toEqual([{ kind: "document", id: "d1", mime: "application/pdf", name: "a.pdf" }]);
  });

  test("forum topics keep their thread", () => {
    const e = envelopeOf(
      update({
        ...group,
        text: "@RelayBot hi",
        entities: [{ type: "mention", offset: 0, length: 9 }],
        message_thread_id: 3,
        is_topic_message: true,
      }),
    );
    expect(e.thread).toBe("3");
    expect(e.reply).toEqual({ chatId: -100, messageId: 10, threadId: 3, private: false });
  });
});

describe("groups", () => {
  test("answered only when mentioned, replied to, or commanded", () => {
    expect(toEnvelope(update({ ...group, text: "just chatting" }), bot, NOW)).toEqual({
      ignored: "group message not addressed to the bot",
    });
    const mention = envelopeOf(
      update({
        ...group,
        text: "hey @relaybot what now?",
        entities: [{ type: "mention", offset: 4, length: 9 }],
      }),
    );
    expect(mention.text).toBe("hey what now?");
    const reply = envelopeOf(
      update({
        ...group,
        text: "and then?",
        reply_to_message: { message_id: 9, from: { id: 999, is_bot: true, first_name: "Relay" } },
      }),
    );
    expect(reply.text).toBe("and then?");
    const textMention = envelopeOf(
      update({
        ...group,
        text: "Relay help",
        entities: [
          {
            type: "text_mention",
            offset: 0,
            length: 5,
            user: { id: 999, is_bot: true, first_name: "Relay" },
          },
        ],
      }),
    );
    expect(textMention.text).toBe("Relay help");
    expect(
      envelopeOf(
        update({ ...group, text: "/new", entities: [{ type: "bot_command", offset: 0, length: 4 }] }),
      ).command,
    ).toBe("new");
  });

  test("mentions of other bots and commands for other bots are ignored", () => {
    expect(
      toEnvelope(
        update({ ...group, text: "@OtherBot hi", entities: [{ type: "mention", offset: 0, length: 9 }] }),
        bot,
        NOW,
      ),
    ).toHaveProperty("ignored");
    expect(
      toEnvelope(
        update({
          ...group,
          text: "/new@OtherBot",
          entities: [{ type: "bot_command", offset: 0, length: 13 }],
        }),
        bot,
        NOW,
      ),
    ).toEqual({ ignored: "command for another bot" });
  });

  test("needsUsername only for group messages that name a bot", () => {
    expect(needsUsername(update({ text: "@x", entities: [{ type: "mention", offset: 0, length: 2 }] }))).toBe(
      false,
    );
    expect(needsUsername(update({ ...group, text: "plain" }))).toBe(false);
    expect(
      needsUsername(update({ ...group, text: "@x", entities: [{ type: "mention", offset: 0, length: 2 }] })),
    ).toBe(true);
    expect(
      needsUsername(
        update({ ...group, text: "/new@x", entities: [{ type: "bot_command", offset: 0, length: 6 }] }),
      ),
    ).toBe(true);
  });
});

test("ignores what is not a new message from a person", () => {
  expect(toEnvelope(v.parse(UpdateSchema, { update_id: 5 }), bot, NOW)).toEqual({
    ignored: "not a new message",
  });
  expect(toEnvelope(update({ text: "x", from: { id: 8, is_bot: true, first_name: "B" } }), bot, NOW)).toEqual(
    { ignored: "sent by a bot" },
  );
  expect(toEnvelope(update({ text: "x", from: undefined }), bot, NOW)).toEqual({ ignored: "no sender" });
  expect(toEnvelope(update({ text: "x", chat: { id: -5, type: "channel" } }), bot, NOW)).toEqual({
    ignored: "channel post",
  });
});

test("the schema rejects what is not an update", () => {
  expect(v.safeParse(UpdateSchema, { message: {} }).success).toBe(false);
  expect(v.safeParse(UpdateSchema, { update_id: "1" }).success).toBe(false);
  expect(v.safeParse(UpdateSchema, { update_id: 1, message: { message_id: 1 } }).success).toBe(false);
});

describe("access", () => {
  test("group chatter goes on, marked not addressed, only with the group policy always", () => {
    expect(toEnvelope(update({ ...group, text: "just chatting" }), bot, NOW, "always")).toMatchObject({
      envelope: { text: "just chatting", group: true, addressed: false },
    });
    expect(envelopeOf(update({ text: "hi" }))).not.toHaveProperty("group");
  });

  test("a press of one of the bot's buttons is the command it holds, from whoever pressed it", () => {
    const press = (data: string | undefined, from = { id: 1, is_bot: false, first_name: "Admin" }) =>
      toEnvelope(
        v.parse(UpdateSchema, {
          update_id: 77,
          callback_query: {
            id: "q1",
            from,
            chat_instance: "1",
            message: { message_id: 12, date: 1, chat: { id: 1, type: "private" } },
            ...(data === undefined ? {} : { data }),
          },
        }),
        bot,
        NOW,
      );
    expect(press("/allow K7MX2P")).toEqual({
      envelope: {
        v: 1,
        channel: "telegram",
        eventId: "77",
        conversation: "1",
        user: { id: "1", name: "Admin" },
        text: "K7MX2P",
        command: "allow",
        attachments: [],
        reply: { chatId: 1, messageId: 12, private: true },
        receivedAt: NOW,
      },
    });
    expect(press("hello")).toEqual({ ignored: "a button without a command" });
    expect(press(undefined)).toEqual({ ignored: "a button without a command" });
    expect(press("/allow X", { id: 5, is_bot: true, first_name: "B" })).toEqual({
      ignored: "pressed by a bot",
    });
  });
});
