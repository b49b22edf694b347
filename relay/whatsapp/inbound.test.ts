import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { EnvelopeSchema } from "../../handlers/core/envelope.ts";
import { WhatsAppPersonalReplySchema } from "../../handlers/whatsapp-personal/inbound.ts";
import { bareJid, jidUser, MessageSchema, toEnvelope } from "./inbound.ts";
import { FAKE_ME, waText } from "./testing.ts";

const GROUP = "120363000000000001@g.us";
const ALICE = "4915551234567@s.whatsapp.net";

const read = (raw: unknown) => toEnvelope(v.parse(MessageSchema, raw), FAKE_ME, 1_700_000_000_000);
const envelopeOf = (raw: unknown) => {
  const inbound = read(raw);
  if (!("envelope" in inbound)) throw new Error(`ignored: ${inbound.ignored}`);
  return inbound.envelope;
};

describe("toEnvelope", () => {
  test("a direct text → envelope; reply context fits the worker's schema", () => {
    const message = waText({ text: "hello there", id: "3EB0AAA" });
    const envelope = envelopeOf(message);
    expect(envelope).toEqual({
      v: 1,
      channel: "whatsapp-personal",
      eventId: "3EB0AAA",
      conversation: ALICE,
      user: { id: ALICE, name: "Grace" },
      text: "hello there",
      attachments: [],
      reply: { chatJid: ALICE, messageId: "3EB0AAA", group: false },
      receivedAt: 1_700_000_000_000,
    });
    expect(v.safeParse(EnvelopeSchema, envelope).success).toBe(true);
    expect(v.safeParse(WhatsAppPersonalReplySchema, envelope.reply).success).toBe(true);
  });

  test("/new and /help are commands", () => {
    expect(envelopeOf(waText({ text: "/new" })).command).toBe("new");
    expect(envelopeOf(waText({ text: "/help" })).command).toBe("help");
    expect(envelopeOf(waText({ text: "/newish" })).command).toBeUndefined();
  });

  test("groups: only when mentioned (by number or hidden id) or replied to", () => {
    const base = { chatJid: GROUP, participant: ALICE };
    expect(read(waText({ ...base, text: "chatter" }))).toEqual({
      ignored: "group message not addressed to this account",
    });
    const byNumber = envelopeOf(
      waText({ ...base, text: "@4915550000001 what time is it", mentions: ["4915550000001@s.whatsapp.net"] }),
    );
    expect(byNumber.text).toBe("what time is it");
    expect(byNumber.reply).toEqual({
      chatJid: GROUP,
      messageId: byNumber.eventId,
      participant: ALICE,
      group: true,
      quotedText: "@4915550000001 what time is it",
    });
    expect(byNumber.user.id).toBe(ALICE);
    const byLid = envelopeOf(
      waText({ ...base, text: "@123456789012345 hi", mentions: ["123456789012345@lid"] }),
    );
    expect(byLid.text).toBe("hi");
    const reply = envelopeOf(
      waText({ ...base, text: "and now?", quotedParticipant: "4915550000001@s.whatsapp.net" }),
    );
    expect(reply.text).toBe("and now?");
    expect(
      "ignored" in read(waText({ ...base, text: "@49999 hi", mentions: ["49999@s.whatsapp.net"] })),
    ).toBe(true);
  });

  test("a sender with a hidden id (LID) is named by their phone number when WhatsApp gives it", () => {
    const message = waText({ chatJid: "99887766554433@lid", text: "hi" });
    message.key.remoteJidAlt = "4915557654321@s.whatsapp.net";
    expect(envelopeOf(message).user.id).toBe("4915557654321@s.whatsapp.net");
    expect(envelopeOf(message).conversation).toBe("99887766554433@lid");
  });

  test("ignored: our own, status, channels, reactions and empty messages", () => {
    expect(read(waText({ text: "mine", fromMe: true }))).toEqual({ ignored: "sent by this account" });
    expect(read(waText({ chatJid: "status@broadcast", text: "story" }))).toEqual({
      ignored: "status, broadcast or channel",
    });
    expect(read(waText({ chatJid: "1203630@newsletter", text: "news" }))).toEqual({
      ignored: "status, broadcast or channel",
    });
    const reaction = { key: { remoteJid: ALICE, id: "R1" }, message: { reactionMessage: { text: "👍" } } };
    expect(read(reaction)).toEqual({ ignored: "not a text or media message" });
    expect(read({ key: { remoteJid: ALICE, id: "P1" } })).toEqual({ ignored: "no content" });
  });

  test("media: metadata only, caption as text, containers unwrapped, int64 sizes", () => {
    const image = {
      key: { remoteJid: ALICE, id: "IMG1" },
      message: {
        ephemeralMessage: {
          message: {
            imageMessage: {
              mimetype: "image/jpeg",
              fileLength: { low: 12345, high: 0, unsigned: true },
              caption: "look",
              url: "https://mmg.whatsapp.net/x",
              mediaKey: "c2VjcmV0",
            },
          },
        },
      },
    };
    const envelope = envelopeOf(image);
    expect(envelope.text).toBe("look");
    expect(envelope.attachments).toEqual([{ kind: "image", id: "IMG1", mime: "image/jpeg", size: 12345 }]);
    expect(JSON.stringify(envelope)).not.toContain("c2VjcmV0"); // never the media key

    const voice = {
      key: { remoteJid: ALICE, id: "V1" },
      message: { audioMessage: { mimetype: "audio/ogg; codecs=opus", fileLength: "2048", ptt: true } },
    };
    expect(envelopeOf(voice).attachments).toEqual([
      { kind: "voice", id: "V1", mime: "audio/ogg; codecs=opus", size: 2048 },
    ]);
    const doc = {
      key: { remoteJid: ALICE, id: "D1" },
      message: {
        documentWithCaptionMessage: {
          message: { documentMessage: { fileName: "a.pdf", mimetype: "application/pdf", caption: "read" } },
        },
      },
    };
    expect(envelopeOf(doc)).toMatchObject({
      text: "read",
      attachments: [{ kind: "document", name: "a.pdf" }],
    });
  });

  test("the schema refuses what is not a message", () => {
    expect(v.safeParse(MessageSchema, { key: { id: "x" } }).success).toBe(false);
    expect(v.safeParse(MessageSchema, "text").success).toBe(false);
  });

  test("JID helpers drop the device", () => {
    expect(jidUser("4915:12@s.whatsapp.net")).toBe("4915");
    expect(bareJid("4915:12@s.whatsapp.net")).toBe("4915@s.whatsapp.net");
    expect(bareJid(GROUP)).toBe(GROUP);
  });
});
