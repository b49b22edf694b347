import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { EnvelopeSchema } from "../../handlers/core/envelope.ts";
import { WhatsAppPersonalReplySchema } from "../../handlers/whatsapp-personal/reply.ts";
import { whatsappAccess } from "./access.ts";
import { eventIdOf, MessageSchema, toEnvelope } from "./inbound.ts";
import { FAKE_ME, waText } from "./testing.ts";

const GROUP = "120363000000000001@g.us";
const ALICE = "4915551234567@s.whatsapp.net";
const ALICE_LID = "77001122334455@lid";
const STRANGER = "4915559999999@s.whatsapp.net";

let access = whatsappAccess([ALICE]);
const read = (raw: unknown) => toEnvelope(v.parse(MessageSchema, raw), FAKE_ME, access, 1_700_000_000_000);
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
      eventId: eventIdOf(ALICE, ALICE, "3EB0AAA"),
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

  test("groups: only when mentioned (by number or hidden id); a reply to the owner is not addressed", () => {
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
      messageId: byNumber.reply.messageId,
      participant: ALICE,
      group: true,
      quotedText: "@4915550000001 what time is it",
    });
    expect(byNumber.user.id).toBe(ALICE);
    const byLid = envelopeOf(
      waText({ ...base, text: "@123456789012345 hi", mentions: ["123456789012345@lid"] }),
    );
    expect(byLid.text).toBe("hi");
    // People answer the owner, not the agent: replying to one of the owner's messages is chatter.
    expect(
      read(waText({ ...base, text: "and now?", quotedParticipant: "4915550000001@s.whatsapp.net" })),
    ).toEqual({ ignored: "group message not addressed to this account" });
    expect(
      "ignored" in read(waText({ ...base, text: "@49999 hi", mentions: ["49999@s.whatsapp.net"] })),
    ).toBe(true);
  });

  test("groups: a configured trigger word addresses the bot too, in any case, and is dropped", () => {
    access = whatsappAccess([ALICE], "!AI");
    const base = { chatJid: GROUP, participant: ALICE };
    expect(envelopeOf(waText({ ...base, text: "!ai what time is it" })).text).toBe("what time is it");
    expect(envelopeOf(waText({ ...base, text: "!Ai /new" })).command).toBe("new");
    expect(envelopeOf(waText({ ...base, text: "!AI" })).text).toBe("");
    for (const text of ["!aix hello", "say !ai", "ai hello", "! ai hello"]) {
      expect(read(waText({ ...base, text }))).toEqual({
        ignored: "group message not addressed to this account",
      });
    }
    // In a direct chat every message is addressed; the trigger is dropped all the same.
    expect(envelopeOf(waText({ text: "!ai hello" })).text).toBe("hello");
    access = whatsappAccess([ALICE]);
  });

  test("strangers are dropped before anything else: direct, in groups, mentioning or triggering", () => {
    access = whatsappAccess([ALICE], "!ai");
    const dropped = { ignored: "sender not on the allowlist" };
    expect(read(waText({ chatJid: STRANGER, text: "hello?" }))).toEqual(dropped);
    expect(read(waText({ chatJid: STRANGER, text: "/new" }))).toEqual(dropped);
    expect(read({ key: { remoteJid: STRANGER, id: "P1" } })).toEqual(dropped); // no content: dropped all the same
    const mention = { text: "@4915550000001 hi", mentions: ["4915550000001@s.whatsapp.net"] };
    expect(read(waText({ chatJid: GROUP, participant: STRANGER, ...mention }))).toEqual(dropped);
    expect(read(waText({ chatJid: GROUP, participant: STRANGER, text: "!ai hi" }))).toEqual(dropped);
    // A group message without a sender is nobody's.
    expect(read(waText({ chatJid: GROUP, text: "!ai hi" }))).toEqual({ ignored: "no sender" });
    // The allowed user's name or a push name proves nothing: only the JIDs WhatsApp gives count.
    expect(read(waText({ chatJid: STRANGER, text: "hi", pushName: ALICE }))).toEqual(dropped);
    access = whatsappAccess([ALICE]);
  });

  test("a sender is allowed by phone number or hidden id, and named as the allowlist lists them", () => {
    // Addressed by hidden id, the phone number given alongside: allowed by number, named by number.
    const byLid = waText({ chatJid: "99887766554433@lid", text: "hi" });
    byLid.key.remoteJidAlt = ALICE;
    expect(envelopeOf(byLid).user.id).toBe(ALICE);
    expect(envelopeOf(byLid).conversation).toBe("99887766554433@lid");
    // Listed by hidden id: allowed whichever way WhatsApp addresses them, named by the hidden id.
    access = whatsappAccess([ALICE_LID]);
    const inGroup = waText({ chatJid: GROUP, participant: "4915551112222:3@s.whatsapp.net", text: "!ai" });
    inGroup.key.participantAlt = ALICE_LID;
    inGroup.message = {
      extendedTextMessage: { text: "@4915550000001 hi", contextInfo: { mentionedJid: [FAKE_ME.id] } },
    };
    expect(envelopeOf(inGroup).user.id).toBe(ALICE_LID);
    expect(envelopeOf(waText({ chatJid: `${ALICE_LID.replace("@", ":4@")}`, text: "hi" })).user.id).toBe(
      ALICE_LID,
    );
    expect(read(waText({ chatJid: ALICE, text: "hi" }))).toEqual({ ignored: "sender not on the allowlist" });
    // Everyone: named by phone number when WhatsApp gives it, else by hidden id.
    access = whatsappAccess(["*"]);
    expect(envelopeOf(byLid).user.id).toBe(ALICE);
    expect(envelopeOf(waText({ chatJid: "99887766554433@lid", text: "hi" })).user.id).toBe(
      "99887766554433@lid",
    );
    access = whatsappAccess([ALICE]);
  });

  test("the event id is WhatsApp's message id scoped to the chat and the sender, without their number", () => {
    const id = "3EB0REUSED";
    const direct = envelopeOf(waText({ chatJid: ALICE, id, text: "a" }));
    access = whatsappAccess([ALICE, "4915552223333@s.whatsapp.net"]);
    const other = envelopeOf(waText({ chatJid: "4915552223333@s.whatsapp.net", id, text: "b" }));
    const mention = { text: "!x @4915550000001", mentions: [FAKE_ME.id] };
    const inGroup = envelopeOf(waText({ chatJid: GROUP, participant: ALICE, id, ...mention }));
    const otherSender = envelopeOf(
      waText({ chatJid: GROUP, participant: "4915552223333@s.whatsapp.net", id, ...mention }),
    );
    const ids = [direct, other, inGroup, otherSender].map((e) => e.eventId);
    expect(new Set(ids).size).toBe(4);
    for (const eventId of ids) {
      expect(eventId).toMatch(/^3EB0REUSED:[0-9a-f]{16}$/);
      expect(eventId).not.toContain("4915");
    }
    // The same message delivered again keeps its id (a device suffix does not change it).
    expect(
      envelopeOf(waText({ chatJid: GROUP, participant: "4915551234567:9@s.whatsapp.net", id, ...mention }))
        .eventId,
    ).toBe(inGroup.eventId);
    expect(direct.reply).toMatchObject({ messageId: id });
    access = whatsappAccess([ALICE]);
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
});
