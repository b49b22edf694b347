import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { DeliverySchema, readDelivery, SERVICE_WINDOW_SECONDS } from "./inbound.ts";
import { WhatsAppReplySchema } from "./reply.ts";

const NOW = 1_790_000_000_000;
const PHONE_ID = "106540352242922";
const ts = (secondsAgo = 5) => String(Math.floor(NOW / 1000) - secondsAgo);

/** A delivery as Meta POSTs it: one entry, one `messages` change, with the given messages. */
function delivery(messages: object[], extra: object = {}) {
  return v.parse(DeliverySchema, {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_ID },
              contacts: [
                { profile: { name: "Ada Lovelace" }, wa_id: "16505551234", user_id: "US.1234567890" },
              ],
              messages,
              ...extra,
            },
          },
        ],
      },
    ],
  });
}

const text = (body: string, over: object = {}) => ({
  from: "16505551234",
  from_user_id: "US.1234567890",
  id: `wamid.${body.length}${Math.random().toString(36).slice(2)}`,
  timestamp: ts(),
  type: "text",
  text: { body },
  ...over,
});

/** A delivery read, its messages sorted into the envelopes queued and the reasons for the others. */
const read = (d: ReturnType<typeof delivery>) => {
  const { messages, ...rest } = readDelivery(d, { phoneNumberId: PHONE_ID, now: NOW });
  return {
    ...rest,
    envelopes: messages.flatMap(({ inbound }) => ("envelope" in inbound ? [inbound.envelope] : [])),
    ignored: messages.flatMap(({ id, inbound }) =>
      "ignored" in inbound ? [{ id, reason: inbound.ignored }] : [],
    ),
  };
};

describe("readDelivery", () => {
  test("a text message → an envelope keyed by wamid, conversation and user = the sender's wa_id", () => {
    const message = text("hello agent");
    const { envelopes, ignored } = read(delivery([message]));
    expect(ignored).toEqual([]);
    expect(envelopes).toEqual([
      {
        v: 1,
        channel: "whatsapp",
        eventId: message.id,
        conversation: "16505551234",
        user: { id: "16505551234", name: "Ada Lovelace" },
        text: "hello agent",
        attachments: [],
        reply: { phoneNumberId: PHONE_ID, messageId: message.id, to: "16505551234" },
        receivedAt: NOW,
      },
    ]);
    expect(v.safeParse(WhatsAppReplySchema, envelopes[0]?.reply).success).toBe(true);
  });

  test("several entries, changes and messages → one envelope each, in delivery order", () => {
    const [a, b, c] = [text("a"), text("b"), text("c", { from: "4915112345678" })];
    const first = delivery([a, b]);
    const second = delivery([c]);
    const both = { ...first, entry: [...first.entry, ...second.entry] };
    expect(read(both).envelopes.map((e) => [e.text, e.conversation])).toEqual([
      ["a", "16505551234"],
      ["b", "16505551234"],
      ["c", "4915112345678"],
    ]);
  });

  test("a user whose phone number is hidden (username) is answered by BSUID", () => {
    const { envelopes } = read(delivery([text("hi", { from: undefined })]));
    expect(envelopes[0]).toMatchObject({
      conversation: "US.1234567890",
      user: { id: "US.1234567890", name: "Ada Lovelace" },
      reply: { recipient: "US.1234567890" },
    });
    expect(envelopes[0]?.reply).not.toHaveProperty("to");
  });

  test("media: id, mime type, file name and caption; voice notes are voice", () => {
    const { envelopes } = read(
      delivery([
        {
          ...text(""),
          type: "image",
          text: undefined,
          image: { id: "img1", mime_type: "image/jpeg", caption: "look", sha256: "x" },
        },
        {
          ...text(""),
          type: "audio",
          text: undefined,
          audio: { id: "aud1", mime_type: "audio/ogg; codecs=opus", voice: true },
        },
        {
          ...text(""),
          type: "document",
          text: undefined,
          document: { id: "doc1", mime_type: "application/pdf", filename: "report.pdf" },
        },
        {
          ...text(""),
          type: "sticker",
          text: undefined,
          sticker: { id: "st1", mime_type: "image/webp", animated: false },
        },
      ]),
    );
    expect(envelopes.map((e) => [e.text, e.attachments])).toEqual([
      ["look", [{ kind: "image", id: "img1", mime: "image/jpeg" }]],
      ["", [{ kind: "voice", id: "aud1", mime: "audio/ogg; codecs=opus" }]],
      ["", [{ kind: "document", id: "doc1", mime: "application/pdf", name: "report.pdf" }]],
      ["", [{ kind: "sticker", id: "st1", mime: "image/webp" }]],
    ]);
  });

  test("interactive replies and template buttons → their title; location and contacts → a short description", () => {
    const { envelopes } = read(
      delivery([
        {
          ...text(""),
          type: "interactive",
          text: undefined,
          interactive: { type: "button_reply", button_reply: { id: "y", title: "Yes" } },
        },
        {
          ...text(""),
          type: "interactive",
          text: undefined,
          interactive: {
            type: "list_reply",
            list_reply: { id: "2", title: "Option two", description: "more" },
          },
        },
        {
          ...text(""),
          type: "button",
          text: undefined,
          button: { text: "Stop promotions", payload: "stop" },
        },
        {
          ...text(""),
          type: "location",
          text: undefined,
          location: { latitude: 52.52, longitude: 13.405, name: "Office", address: "Unter den Linden 1" },
        },
        {
          ...text(""),
          type: "contacts",
          text: undefined,
          contacts: [
            {
              name: { formatted_name: "Grace Hopper" },
              phones: [{ phone: "+1 555 0100", wa_id: "15550100" }],
            },
          ],
        },
      ]),
    );
    expect(envelopes.map((e) => e.text)).toEqual([
      "Yes",
      "Option two",
      "Stop promotions",
      "[location] Office, Unter den Linden 1 (52.52, 13.405)",
      "[contact] Grace Hopper +1 555 0100",
    ]);
  });

  test("/new, /help and /start are commands; other slashes are text", () => {
    const { envelopes } = read(
      delivery([text("/new"), text("/HELP me"), text("/start"), text("/etc/hosts")]),
    );
    expect(envelopes.map((e) => [e.command, e.text])).toEqual([
      ["new", ""],
      ["help", "me"],
      ["help", ""],
      [undefined, "/etc/hosts"],
    ]);
  });

  test("statuses are counted, never queued; failed ones are reported", () => {
    const statuses = [
      { id: "wamid.out1", status: "delivered", timestamp: ts(), recipient_id: "16505551234" },
      {
        id: "wamid.out2",
        status: "failed",
        timestamp: ts(),
        recipient_id: "16505551234",
        errors: [{ code: 131047, title: "Re-engagement message" }],
      },
    ];
    const result = read(delivery([], { messages: undefined, statuses }));
    expect(result).toEqual({
      envelopes: [],
      ignored: [],
      statuses: 2,
      failed: [{ id: "wamid.out2", code: 131047, title: "Re-engagement message" }],
      confirmed: [],
    });
  });

  test("sent, delivered and read statuses with our callback data confirm reply chunks, once each", () => {
    const status = (status: string, data: string | undefined, id = "wamid.out1") => ({
      id,
      status,
      timestamp: ts(),
      recipient_id: "16505551234",
      ...(data === undefined ? {} : { biz_opaque_callback_data: data }),
    });
    const ours = "whatsapp:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZDRjA=#0";
    const statuses = [
      status("sent", ours),
      status("delivered", ours),
      status("read", "whatsapp:wamid.in2#12", "wamid.out2"),
      status("failed", "whatsapp:wamid.in3#0", "wamid.out3"),
      status("sent", undefined, "wamid.other-app-without-data"),
      status("sent", "order-4711", "wamid.other-app"),
      status("sent", "whatsapp:wamid.in4#10000", "wamid.out4"),
      status("sent", "whatsapp:wamid.in5#01", "wamid.out5"),
      status("sent", "whatsapp:has space#0", "wamid.out6"),
      status("sent", "telegram:42#0", "wamid.out7"),
    ];
    const result = read(delivery([], { messages: undefined, statuses }));
    expect(result.statuses).toBe(statuses.length);
    expect(result.confirmed).toEqual([
      { envelopeId: "whatsapp:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZDRjA=", index: 0 },
      { envelopeId: "whatsapp:wamid.in2", index: 12 },
    ]);
    expect(result.envelopes).toEqual([]);

    // Statuses of another phone number of the same account are not ours.
    const other = delivery([], { messages: undefined, statuses: [status("sent", ours)] });
    const change = other.entry[0]?.changes[0] as { value: { metadata: { phone_number_id: string } } };
    change.value.metadata.phone_number_id = "999";
    expect(read(other).confirmed).toEqual([]);
  });

  test("ignored with a reason: other phone numbers, groups, reactions, unsupported types, stale messages", () => {
    const other = delivery([text("x")]);
    const change = other.entry[0]?.changes[0] as { value: { metadata: { phone_number_id: string } } };
    change.value.metadata.phone_number_id = "999";
    expect(read(other).ignored.map((i) => i.reason)).toEqual([`for phone number id 999, not ${PHONE_ID}`]);

    const { envelopes, ignored } = read(
      delivery([
        text("in a group", { group_id: "120363000000000000" }),
        { ...text(""), type: "reaction", text: undefined, reaction: { message_id: "wamid.x", emoji: "👍" } },
        {
          ...text(""),
          type: "unsupported",
          text: undefined,
          errors: [{ code: 131051, title: "Message type unknown" }],
        },
        text("yesterday", { timestamp: ts(SERVICE_WINDOW_SECONDS + 60) }),
        text("nobody", { from: undefined, from_user_id: undefined }),
      ]),
    );
    expect(envelopes).toEqual([]);
    expect(ignored.map((i) => i.reason)).toEqual([
      "group message",
      "reaction message",
      "unsupported message",
      "older than the 24-hour service window, so it cannot be answered",
      "no sender",
    ]);
  });

  test("other webhook fields are ignored", () => {
    const d = v.parse(DeliverySchema, {
      object: "whatsapp_business_account",
      entry: [
        { id: "1", changes: [{ field: "message_template_status_update", value: { event: "APPROVED" } }] },
      ],
    });
    expect(read(d)).toEqual({ envelopes: [], ignored: [], statuses: 0, failed: [], confirmed: [] });
  });
});

describe("schemas", () => {
  test("reject what is not a Cloud API delivery, naming the path", () => {
    const bad = (value: unknown) => {
      const result = v.safeParse(DeliverySchema, value);
      return result.success ? "ok" : v.getDotPath(result.issues[0]);
    };
    expect(bad({ object: "page", entry: [] })).toBe("object");
    expect(bad({ object: "whatsapp_business_account" })).toBe("entry");
    expect(
      bad({
        object: "whatsapp_business_account",
        entry: [{ changes: [{ field: "messages", value: { messages: [] } }] }],
      }),
    ).toBe("entry.0.changes.0.value.metadata");
    expect(
      bad({
        object: "whatsapp_business_account",
        entry: [
          {
            changes: [
              { field: "messages", value: { metadata: { phone_number_id: "1" }, messages: [{ id: "x" }] } },
            ],
          },
        ],
      }),
    ).toBe("entry.0.changes.0.value.messages.0.timestamp");
  });

  test("a reply needs a phone number or a BSUID", () => {
    expect(v.safeParse(WhatsAppReplySchema, { phoneNumberId: "1", messageId: "wamid.x" }).success).toBe(
      false,
    );
    expect(
      v.safeParse(WhatsAppReplySchema, { phoneNumberId: "1", messageId: "wamid.x", to: "+1" }).success,
    ).toBe(false);
  });
});
