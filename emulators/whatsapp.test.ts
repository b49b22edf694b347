import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { PostData } from "whatsapp-api-js/types";
import {
  DEFAULT_APP_ID,
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  type FakeWhatsApp,
  graphErrors,
  metaJson,
  type StatusPoster,
  signDelivery,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
  whatsappStatus,
} from "./whatsapp.ts";

const wa: FakeWhatsApp = await startWhatsApp();
afterAll(() => wa.close());
beforeEach(() => wa.reset());

/** A Graph answer: a result's fields, or Graph's error. */
interface GraphAnswer {
  error?: {
    code: number;
    error_subcode?: number;
    message: string;
    type: string;
    fbtrace_id: string;
    error_data?: { details?: string };
  };
  [key: string]: unknown;
}

async function graph(path: string, body?: unknown, token = DEFAULT_WHATSAPP_TOKEN, method = "POST") {
  const res = await fetch(`${wa.url}/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as GraphAnswer };
}

const send = (body: object) =>
  graph(`${DEFAULT_PHONE_NUMBER_ID}/messages`, { messaging_product: "whatsapp", type: "text", ...body });

describe("fake Cloud API: messages", () => {
  test("a text message gets a wamid; to or recipient, with or without context", async () => {
    const first = await send({
      to: "16505551234",
      text: { body: "hello" },
      context: { message_id: "wamid.in" },
    });
    const second = await send({ recipient: "US.1349", text: { body: "again" } });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      messaging_product: "whatsapp",
      contacts: [{ input: "16505551234", wa_id: "16505551234" }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
    expect(second.json.contacts).toEqual([{ input: "US.1349", user_id: "US.1349" }]);
    expect(wa.messages.map((m) => [m.to, m.body, m.replyTo])).toEqual([
      ["16505551234", "hello", "wamid.in"],
      ["US.1349", "again", undefined],
    ]);
    expect(wa.sent("16505551234")).toEqual(["hello"]);
    expect(wa.callsOf("send")).toHaveLength(2);
  });

  test("mark read + typing indicator", async () => {
    const ok = await graph(`${DEFAULT_PHONE_NUMBER_ID}/messages`, {
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.abc",
      typing_indicator: { type: "text" },
    });
    const bad = await graph(`${DEFAULT_PHONE_NUMBER_ID}/messages`, {
      messaging_product: "whatsapp",
      status: "read",
      message_id: "nope",
    });
    expect([ok.status, ok.json]).toEqual([200, { success: true }]);
    expect([bad.status, bad.json.error?.code]).toEqual([400, 100]);
    expect(wa.callsOf("read")).toHaveLength(2);
  });

  test("Graph's errors: bad token, unknown number, missing or too long text, wrong type", async () => {
    const results = await Promise.all([
      graph(`${DEFAULT_PHONE_NUMBER_ID}/messages`, { messaging_product: "whatsapp" }, "EAAwrong"),
      graph("999/messages", { messaging_product: "whatsapp", to: "1", type: "text", text: { body: "x" } }),
      send({ to: "1", text: { body: "" } }),
      send({ to: "1", text: { body: "x".repeat(4097) } }),
      send({ text: { body: "x" } }),
      graph(`${DEFAULT_PHONE_NUMBER_ID}/messages`, {
        messaging_product: "whatsapp",
        to: "1",
        type: "sticker",
      }),
    ]);
    expect(results.map((r) => [r.status, r.json.error?.code, r.json.error?.error_subcode])).toEqual([
      [401, 190, undefined],
      [400, 100, 33],
      [400, 100, undefined],
      [400, 100, undefined],
      [400, 100, undefined],
      [400, 131051, undefined],
    ]);
    for (const r of results) {
      expect(r.json.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
      expect(r.json.error?.fbtrace_id).toMatch(/^A/);
    }
    expect(wa.messages).toEqual([]);
  });

  test("scripted replies answer the next matching call once", async () => {
    wa.script("send", graphErrors.reEngagement());
    const refused = await send({ to: "1", text: { body: "late" } });
    const accepted = await send({ to: "1", text: { body: "late" } });
    expect([refused.status, refused.json.error?.code, refused.json.error?.error_data?.details]).toEqual([
      400,
      131047,
      expect.stringContaining("24 hours"),
    ]);
    expect(accepted.status).toBe(200);
    expect(wa.calls[0]?.response?.status).toBe(400);
  });
});

describe("fake Cloud API: status webhooks", () => {
  /** A webhook that checks each status delivery's signature and keeps the statuses, answering `answer`. */
  function receiver(answers: number[] = []) {
    const received: { status: string; id: string; data: unknown; phoneNumberId: string }[] = [];
    const poster: StatusPoster = async (body, headers) => {
      expect(headers["x-hub-signature-256"]).toBe(signDelivery(body, DEFAULT_APP_SECRET));
      const value = (JSON.parse(body) as PostData).entry[0]?.changes[0]?.value as {
        metadata: { phone_number_id: string };
        statuses: { status: string; id: string; biz_opaque_callback_data?: string }[];
      };
      for (const s of value.statuses) {
        received.push({
          status: s.status,
          id: s.id,
          data: s.biz_opaque_callback_data,
          phoneNumberId: value.metadata.phone_number_id,
        });
      }
      return answers.shift() ?? 200;
    };
    return { received, poster };
  }

  test("an accepted message is followed by its sent and delivered statuses, with its callback data", async () => {
    const { received, poster } = receiver();
    wa.setStatusWebhook(poster);
    try {
      const r = await send({ to: "16505551234", text: { body: "hi" }, biz_opaque_callback_data: "ref#1" });
      await send({ to: "16505551234", text: { body: "no data" } });
      await wa.statusesSettled();
      const id = (r.json.messages as { id: string }[])[0]?.id as string;
      expect(id).toStartWith("wamid.");
      expect(wa.messages.map((m) => m.callbackData)).toEqual(["ref#1", undefined]);
      expect(received.filter((s) => s.id === id)).toEqual([
        { status: "sent", id, data: "ref#1", phoneNumberId: DEFAULT_PHONE_NUMBER_ID },
        { status: "delivered", id, data: "ref#1", phoneNumberId: DEFAULT_PHONE_NUMBER_ID },
      ]);
      expect(received.map((s) => s.data)).toEqual(["ref#1", "ref#1", undefined, undefined]);
      expect(wa.statuses.map((s) => s.answer)).toEqual([200, 200, 200, 200]);
    } finally {
      wa.setStatusWebhook(undefined);
    }
  });

  test("a status the webhook refuses is posted again; none without a webhook, or for a refused send", async () => {
    const { received, poster } = receiver([503, 500]);
    wa.setStatusWebhook(poster);
    try {
      await send({ to: "1", text: { body: "" }, biz_opaque_callback_data: "x" });
      const tooLong = await send({ to: "1", text: { body: "a" }, biz_opaque_callback_data: "x".repeat(513) });
      expect([tooLong.status, tooLong.json.error?.code]).toEqual([400, 100]);
      await send({ to: "1", text: { body: "ok" }, biz_opaque_callback_data: "x".repeat(512) });
      await wa.statusesSettled();
      expect(received.map((s) => s.status)).toEqual(["sent", "sent", "sent", "delivered"]);
      expect(wa.statuses.map((s) => [s.status, s.answer])).toEqual([
        ["sent", 200],
        ["delivered", 200],
      ]);
    } finally {
      wa.setStatusWebhook(undefined);
    }
    await send({ to: "1", text: { body: "quiet" }, biz_opaque_callback_data: "y" });
    await wa.statusesSettled();
    expect(wa.statuses).toHaveLength(2);
  });

  test("to a URL: POSTed with Meta's headers", async () => {
    const bodies: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const body = await req.text();
        if (req.headers.get("x-hub-signature-256") === signDelivery(body)) bodies.push(body);
        return new Response("ok");
      },
    });
    const fake = await startWhatsApp({ statusWebhook: `http://127.0.0.1:${server.port}/whatsapp` });
    try {
      const res = await fetch(`${fake.url}/${DEFAULT_PHONE_NUMBER_ID}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEFAULT_WHATSAPP_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", type: "text", to: "1", text: { body: "hi" } }),
      });
      expect(res.status).toBe(200);
      await fake.statusesSettled();
      expect(bodies.map((b) => JSON.parse(b).entry[0].changes[0].value.statuses[0].status)).toEqual([
        "sent",
        "delivered",
      ]);
    } finally {
      await fake.close();
      server.stop(true);
    }
  });

  test("acceptThenDrop: the message is taken, but its answer is lost", async () => {
    wa.script("send", { acceptThenDrop: true });
    const lost = await send({ to: "1", text: { body: "taken" } }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Error);
    expect(wa.sent()).toEqual(["taken"]);
    expect(wa.callsOf("send")[0]?.response).toBeUndefined();
  });
});

describe("fake Cloud API: phone number and app subscription", () => {
  test("GET the phone number", async () => {
    const res = await graph(
      `${DEFAULT_PHONE_NUMBER_ID}?fields=display_phone_number,verified_name`,
      undefined,
      undefined,
      "GET",
    );
    expect(res.json).toMatchObject({
      display_phone_number: "+1 555-078-3881",
      verified_name: "Relay Test Number",
    });
  });

  test("subscribe verifies the callback first (hub.challenge echoed), with the app token only", async () => {
    const asked: Record<string, string>[] = [];
    wa.setVerifier(async (_url, query) => {
      asked.push(query);
      return query["hub.verify_token"] === "vt"
        ? { status: 200, body: query["hub.challenge"] ?? "" }
        : { status: 403, body: "no" };
    });
    const appToken = `${DEFAULT_APP_ID}|${DEFAULT_APP_SECRET}`;
    const body = {
      object: "whatsapp_business_account",
      callback_url: "https://x.example/whatsapp",
      fields: "messages",
    };
    const withUserToken = await graph(`${DEFAULT_APP_ID}/subscriptions`, { ...body, verify_token: "vt" });
    const wrongToken = await graph(
      `${DEFAULT_APP_ID}/subscriptions`,
      { ...body, verify_token: "no" },
      appToken,
    );
    const ok = await graph(`${DEFAULT_APP_ID}/subscriptions`, { ...body, verify_token: "vt" }, appToken);
    expect([withUserToken.json.error?.code, wrongToken.json.error?.code, ok.json]).toEqual([
      190,
      2200,
      { success: true },
    ]);
    expect(asked[0]).toMatchObject({ "hub.mode": "subscribe", "hub.verify_token": "no" });
    expect(wa.subscription).toEqual({
      callbackUrl: "https://x.example/whatsapp",
      verifyToken: "vt",
      fields: ["messages"],
    });

    const gone = await graph(
      `${DEFAULT_APP_ID}/subscriptions?object=whatsapp_business_account&fields=messages`,
      undefined,
      appToken,
      "DELETE",
    );
    expect(gone.json).toEqual({ success: true });
    expect(wa.subscription).toBeUndefined();
  });
});

describe("deliveries", () => {
  test("builders give Meta's shape; metaJson escapes like Meta; the signature is over those bytes", () => {
    const delivery = whatsappDelivery({
      messages: [whatsappMessage({ text: "über / da" }), whatsappMessage({ from: null, userId: "US.1" })],
      statuses: [whatsappStatus("failed", { error: { code: 131047, title: "Re-engagement message" } })],
    });
    const change = delivery.entry[0]?.changes[0] as unknown as {
      value: { metadata: { phone_number_id: string }; contacts: unknown[]; messages: object[] };
    };
    expect(change.value.metadata.phone_number_id).toBe(DEFAULT_PHONE_NUMBER_ID);
    expect(change.value.contacts).toEqual([
      { profile: { name: "Ada Lovelace" }, wa_id: "16505551234", user_id: "US.13491208655302741918" },
      { profile: { name: "Ada Lovelace" }, user_id: "US.1" },
    ]);
    expect(change.value.messages[1]).not.toHaveProperty("from");
    const raw = metaJson(delivery);
    expect(raw).toContain("\\u00fcber \\/ da");
    expect(JSON.parse(raw)).toEqual(JSON.parse(JSON.stringify(delivery)));
    expect(signDelivery(raw)).toBe(
      `sha256=${createHmac("sha256", DEFAULT_APP_SECRET).update(raw).digest("hex")}`,
    );
    expect(signDelivery(raw)).not.toBe(signDelivery(JSON.stringify(delivery)));
  });
});
