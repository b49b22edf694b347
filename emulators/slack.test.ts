import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { verifySlackSignature } from "../handlers/slack/verify.ts";
import { listen, readBody } from "./http.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  deliverSlack,
  FAKE_BOT_USER_ID,
  type FakeSlack,
  slackErrors,
  slackEventCallback,
  slackHeaders,
  slackMentionEvent,
  slackMessageEvent,
  startSlack,
} from "./slack.ts";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack({ unknownChannels: ["C0GONE0001"], notInChannels: ["C0OTHER001"] });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function api(
  method: string,
  init: { form?: Record<string, string>; json?: unknown; token?: string | null } = {},
) {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? DEFAULT_SLACK_TOKEN}`;
  let body: string | undefined;
  if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers["content-type"] = "application/json; charset=utf-8";
    body = JSON.stringify(init.json);
  }
  const response = await fetch(`${fake.url}/${method}`, { method: "POST", headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("Web API", () => {
  test("auth: Bearer header or token parameter; missing → not_authed, wrong → invalid_auth (HTTP 200)", async () => {
    expect((await api("auth.test")).body).toMatchObject({ ok: true, user_id: FAKE_BOT_USER_ID });
    expect((await api("auth.test", { token: null, form: { token: DEFAULT_SLACK_TOKEN } })).body.ok).toBe(
      true,
    );
    expect(await api("auth.test", { token: null })).toMatchObject({
      status: 200,
      body: { ok: false, error: "not_authed" },
    });
    expect(await api("auth.test", { token: "xoxb-nope" })).toMatchObject({
      status: 200,
      body: { ok: false, error: "invalid_auth" },
    });
    expect(fake.calls.at(-1)?.params).not.toHaveProperty("token");
  });

  test("chat.postMessage: form or JSON; the bot's message with a ts; threads recorded", async () => {
    const top = await api("chat.postMessage", { form: { channel: "C0CHAN0001", text: "hi" } });
    expect(top.body).toMatchObject({
      ok: true,
      channel: "C0CHAN0001",
      message: { text: "hi", user: FAKE_BOT_USER_ID },
    });
    const ts = String(top.body.ts);
    await api("chat.postMessage", { json: { channel: "C0CHAN0001", text: "in thread", thread_ts: ts } });
    expect(fake.sent("C0CHAN0001")).toEqual(["hi", "in thread"]);
    expect(fake.sent("C0CHAN0001", ts)).toEqual(["in thread"]);
    const replies = await api("conversations.replies", { form: { channel: "C0CHAN0001", ts } });
    expect((replies.body.messages as { text: string }[]).map((m) => m.text)).toEqual(["in thread"]);
  });

  test("chat.postMessage errors in Slack's words", async () => {
    const error = async (form: Record<string, string>) =>
      (await api("chat.postMessage", { form })).body.error;
    expect(await error({ channel: "C0GONE0001", text: "x" })).toBe("channel_not_found");
    expect(await error({ channel: "not a channel", text: "x" })).toBe("channel_not_found");
    expect(await error({ channel: "C0OTHER001", text: "x" })).toBe("not_in_channel");
    expect(await error({ channel: "C0CHAN0001" })).toBe("no_text");
    expect(await error({ channel: "C0CHAN0001", text: "x".repeat(40_001) })).toBe("msg_too_long");
    expect(await error({ channel: "C0CHAN0001", text: "x", thread_ts: "soon" })).toBe("invalid_thread_ts");
    expect(fake.messages).toHaveLength(0);
  });

  test("reactions: add once (already_reacted), remove (no_reaction when absent)", async () => {
    const form = { channel: "C0CHAN0001", timestamp: "1700000000.000100", name: "eyes" };
    expect((await api("reactions.add", { form })).body.ok).toBe(true);
    expect((await api("reactions.add", { form })).body.error).toBe("already_reacted");
    expect(fake.reactions.get("C0CHAN0001:1700000000.000100")).toEqual(new Set(["eyes"]));
    expect((await api("reactions.remove", { form })).body.ok).toBe(true);
    expect((await api("reactions.remove", { form })).body.error).toBe("no_reaction");
    expect((await api("reactions.add", { form: { ...form, name: "Not Valid" } })).body.error).toBe(
      "invalid_name",
    );
  });

  test("assistant.threads.setStatus needs channel_id, thread_ts and a status (empty clears)", async () => {
    const form = { channel_id: "D0DMCHAN01", thread_ts: "1700000000.000100", status: "" };
    expect((await api("assistant.threads.setStatus", { form })).body.ok).toBe(true);
    const { status: _status, ...noStatus } = form;
    expect((await api("assistant.threads.setStatus", { form: noStatus })).body.error).toBe(
      "invalid_arguments",
    );
  });

  test("conversations.replies: pages with cursors; read methods ignore JSON bodies, as Slack does", async () => {
    const parent = "1700000000.000100";
    for (let i = 0; i < 5; i++)
      fake.addToThread("C0CHAN0001", parent, { user: `U${i}XXXX`, ts: `1700000000.00010${i}` });
    const first = await api("conversations.replies", {
      form: { channel: "C0CHAN0001", ts: parent, limit: "2" },
    });
    expect(first.body).toMatchObject({ ok: true, has_more: true });
    const cursor = (first.body.response_metadata as { next_cursor: string }).next_cursor;
    const second = await api("conversations.replies", {
      form: { channel: "C0CHAN0001", ts: parent, limit: "2", cursor },
    });
    expect((second.body.messages as { user: string }[]).map((m) => m.user)).toEqual(["U2XXXX", "U3XXXX"]);
    expect(
      (await api("conversations.replies", { form: { channel: "C0CHAN0001", ts: "1.1" } })).body.error,
    ).toBe("thread_not_found");
    expect(
      (await api("conversations.replies", { json: { channel: "C0CHAN0001", ts: parent } })).body.error,
    ).toBe("invalid_arguments");
  });

  test("chat.postMessage metadata: a JSON string (form) or an object (JSON); malformed refused", async () => {
    const metadata = { event_type: "thing_done", event_payload: { id: "x1", n: 2 } };
    await api("chat.postMessage", {
      form: { channel: "C0CHAN0001", text: "a", metadata: JSON.stringify(metadata) },
    });
    await api("chat.postMessage", { json: { channel: "C0CHAN0001", text: "b", metadata } });
    expect(fake.messages.map((m) => m.metadata)).toEqual([metadata, metadata]);
    const error = async (value: string) =>
      (await api("chat.postMessage", { form: { channel: "C0CHAN0001", text: "x", metadata: value } })).body
        .error;
    expect(await error("{not json")).toBe("invalid_metadata_format");
    expect(await error("[]")).toBe("invalid_metadata_format");
    expect(await error(JSON.stringify({ event_type: "t" }))).toBe("invalid_metadata_schema");
    expect(fake.messages).toHaveLength(2);
  });

  test("conversations.history: top-level messages newest first, oldest/latest exclusive unless inclusive, metadata only on request", async () => {
    const metadata = { event_type: "thing_done", event_payload: { id: "x1" } };
    const ts = ["1700000001.000100", "1700000002.000200", "1700000003.000300"];
    fake.addToChannel("C0CHAN0001", { user: "U0SOMEONE1", text: "one", ts: ts[0] });
    fake.addToChannel("C0CHAN0001", { bot_id: "B0OTHER001", text: "two", ts: ts[1], metadata });
    fake.addToChannel("C0CHAN0001", { user: "U0SOMEONE1", text: "three", ts: ts[2] });
    fake.addToThread("C0CHAN0001", String(ts[0]), { user: "U0SOMEONE1", text: "a reply" });
    const read = async (form: Record<string, string>) => {
      const { body } = await api("conversations.history", { form: { channel: "C0CHAN0001", ...form } });
      return body as { messages: { text: string; metadata?: unknown }[]; has_more: boolean };
    };
    expect((await read({})).messages.map((m) => m.text)).toEqual(["three", "two", "one"]);
    expect((await read({})).messages.some((m) => "metadata" in m)).toBe(false);
    expect((await read({ include_all_metadata: "true" })).messages[1]?.metadata).toEqual(metadata);
    expect((await read({ oldest: String(ts[0]) })).messages.map((m) => m.text)).toEqual(["three", "two"]);
    const between = await read({ oldest: String(ts[0]), latest: String(ts[2]), inclusive: "true" });
    expect(between.messages.map((m) => m.text)).toEqual(["three", "two", "one"]);
    expect((await read({ oldest: "1700000002" })).messages.map((m) => m.text)).toEqual(["three", "two"]);
    expect(
      await api("conversations.history", { form: { channel: "C0CHAN0001", oldest: "soon" } }),
    ).toMatchObject({
      body: { ok: false, error: "invalid_ts_oldest" },
    });
    expect((await api("conversations.history", { form: { channel: "C0OTHER001" } })).body.error).toBe(
      "not_in_channel",
    );
    expect((await read({})).has_more).toBe(false);
  });

  test("conversations.history pages with next_ts cursors; a new message does not shift later pages", async () => {
    for (let i = 0; i < 5; i++)
      fake.addToChannel("C0CHAN0001", { text: `m${i}`, ts: `1700000010.00000${i}` });
    const page = async (cursor?: string) => {
      const { body } = await api("conversations.history", {
        form: { channel: "C0CHAN0001", limit: "2", ...(cursor ? { cursor } : {}) },
      });
      const { messages, has_more, response_metadata } = body as {
        messages: { text: string }[];
        has_more: boolean;
        response_metadata: { next_cursor: string };
      };
      return { texts: messages.map((m) => m.text), more: has_more, cursor: response_metadata.next_cursor };
    };
    const first = await page();
    expect(first).toMatchObject({ texts: ["m4", "m3"], more: true });
    expect(Buffer.from(first.cursor, "base64").toString()).toBe("next_ts:1700000010.000003");
    fake.addToChannel("C0CHAN0001", { text: "late", ts: "1700000011.000000" });
    const second = await page(first.cursor);
    expect(second).toMatchObject({ texts: ["m2", "m1"], more: true });
    expect(await page(second.cursor)).toEqual({ texts: ["m0"], more: false, cursor: "" });
  });

  test("conversations.replies: oldest and include_all_metadata as in history", async () => {
    const parent = "1700000000.000100";
    const metadata = { event_type: "thing_done", event_payload: { id: "x1" } };
    fake.addToThread("C0CHAN0001", parent, { user: "U0SOMEONE1", ts: parent });
    fake.addToThread("C0CHAN0001", parent, { user: "U0SOMEONE1", ts: "1700000005.000000", metadata });
    const read = async (form: Record<string, string>) =>
      (await api("conversations.replies", { form: { channel: "C0CHAN0001", ts: parent, ...form } })).body
        .messages as Record<string, unknown>[];
    expect((await read({})).map((m) => m.metadata)).toEqual([undefined, undefined]);
    expect(await read({ oldest: "1700000001", include_all_metadata: "true" })).toEqual([
      { type: "message", text: "", user: "U0SOMEONE1", ts: "1700000005.000000", thread_ts: parent, metadata },
    ]);
  });

  test("a lost answer: the call is carried out, the connection dropped", async () => {
    fake.script("chat.postMessage", { lost: true });
    const sent = fetch(`${fake.url}/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEFAULT_SLACK_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0CHAN0001", text: "posted anyway" }),
    });
    const dropped = await sent.then(
      (response) => response,
      (error: unknown) => error,
    );
    expect(dropped).toBeInstanceOf(Error);
    expect(fake.sent()).toEqual(["posted anyway"]);
    expect(fake.callsOf("chat.postMessage")[0]?.response).toBeUndefined();
  });

  test("scripts: 429 with Retry-After, any error, 5xx text, once each", async () => {
    fake.script("chat.postMessage", slackErrors.ratelimited(3));
    fake.script("*", slackErrors.error("fatal_error"));
    const limited = await api("chat.postMessage", { form: { channel: "C0CHAN0001", text: "x" } });
    expect([limited.status, limited.headers.get("retry-after"), limited.body]).toEqual([
      429,
      "3",
      { ok: false, error: "ratelimited" },
    ]);
    expect((await api("auth.test")).body.error).toBe("fatal_error");
    expect((await api("auth.test")).body.ok).toBe(true);
    fake.script("auth.test", slackErrors.serverError(502));
    const down = await fetch(`${fake.url}/auth.test`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEFAULT_SLACK_TOKEN}` },
    });
    expect([down.status, await down.text()]).toEqual([502, "upstream connect error"]);
    expect((await api("no.such.method")).body.error).toBe("unknown_method");
  });
});

describe("Events API side", () => {
  test("payload builders have the shapes Slack sends", () => {
    const dm = slackMessageEvent({ text: "hi" });
    expect(dm).toMatchObject({
      type: "message",
      channel_type: "im",
      channel: "D0DMCHAN01",
      user: "U0HUMAN001",
    });
    expect(dm.ts).toBe(dm.event_ts);
    const mention = slackMentionEvent({ text: "hey" });
    expect(mention.text).toBe(`<@${FAKE_BOT_USER_ID}> hey`);
    const payload = slackEventCallback(mention, { eventId: "Ev123" });
    expect(payload).toMatchObject({
      type: "event_callback",
      event_id: "Ev123",
      authorizations: [{ user_id: FAKE_BOT_USER_ID, is_bot: true }],
    });
    expect(slackEventCallback(mention, { botUserId: null })).not.toHaveProperty("authorizations");
  });

  test("slackHeaders signs as Slack does; deliverSlack POSTs the signed JSON", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c" });
    const headers = slackHeaders(body, { retryNum: 2 });
    expect(
      verifySlackSignature(
        DEFAULT_SIGNING_SECRET,
        headers["x-slack-request-timestamp"],
        headers["x-slack-signature"],
        new TextEncoder().encode(body),
      ),
    ).toBeUndefined();
    expect([headers["x-slack-retry-num"], headers["x-slack-retry-reason"]]).toEqual(["2", "http_timeout"]);

    let received: { headers: Record<string, unknown>; body: string } | undefined;
    const target = await listen(async (req, res) => {
      received = { headers: req.headers, body: (await readBody(req)).toString("utf8") };
      res.writeHead(200, { "content-type": "text/plain" }).end("c");
    });
    try {
      const result = await deliverSlack(target.url, { type: "url_verification", challenge: "c" });
      expect([result.status, result.body]).toEqual([200, "c"]);
      expect(received?.body).toBe(body);
      expect(String(received?.headers["x-slack-signature"])).toMatch(/^v0=[0-9a-f]{64}$/);
    } finally {
      await target.close();
    }
  });
});

test("conversations.open gives one DM channel per user; a missing im:write scope is refused", async () => {
  const first = await api("conversations.open", { json: { users: "U0ADMIN01" } });
  expect(first.body).toMatchObject({ ok: true, channel: { id: "D0ADMIN01" } });
  expect((await api("conversations.open", { form: { users: "U0ADMIN01" } })).body).toEqual(first.body);
  expect((await api("conversations.open", { json: { users: "U1,U2" } })).body).toMatchObject({ ok: false });
  const scoped = await startSlack({ missingScopes: ["im:write"] });
  try {
    const response = await fetch(`${scoped.url}/conversations.open`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEFAULT_SLACK_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ users: "U0ADMIN01" }),
    });
    expect(await response.json()).toMatchObject({ ok: false, error: "missing_scope" });
  } finally {
    await scoped.close();
  }
});
