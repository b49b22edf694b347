import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import {
  DEFAULT_TELEGRAM_TOKEN,
  type FakeTelegram,
  startTelegram,
  telegramErrors,
  telegramTextUpdate,
} from "./telegram.ts";
import { parseHtml, parseMarkdown, parseMarkdownV2 } from "./telegram-entities.ts";

const tg: FakeTelegram = await startTelegram();
afterAll(() => tg.close());
beforeEach(() => tg.reset());

/** Calls the fake the way our client does: POST JSON to `${base}/bot${token}/${method}`. */
async function call(method: string, body?: unknown, token = DEFAULT_TELEGRAM_TOKEN) {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { result?: unknown } };
}

describe("fake Telegram", () => {
  test("getMe and sendMessage return realistic objects with incrementing message ids", async () => {
    const me = await call("getMe");
    expect(me.json).toMatchObject({
      ok: true,
      result: { id: 123456789, is_bot: true, username: "fake_relay_bot" },
    });

    const first = await call("sendMessage", { chat_id: 42, text: "hello" });
    const second = await call("sendMessage", { chat_id: 42, text: "again" });
    const group = await call("sendMessage", { chat_id: -1001234, text: "hi group" });
    expect(first.status).toBe(200);
    expect(first.json.result).toMatchObject({
      message_id: 1,
      chat: { id: 42, type: "private" },
      text: "hello",
    });
    expect((first.json.result as { date: number }).date).toBeGreaterThan(1_700_000_000);
    expect(second.json.result).toMatchObject({ message_id: 2 });
    expect(group.json.result).toMatchObject({ message_id: 1, chat: { id: -1001234, type: "supergroup" } });
    expect(tg.sent()).toEqual(["hello", "again", "hi group"]);
    expect(tg.sent(42)).toEqual(["hello", "again"]);
    expect(tg.calls.map((c) => c.method)).toEqual(["getMe", "sendMessage", "sendMessage", "sendMessage"]);
    expect(tg.calls[1]).toMatchObject({
      token: DEFAULT_TELEGRAM_TOKEN,
      params: { chat_id: 42, text: "hello" },
    });
  });

  test("accepts form, multipart and query parameters, method names case-insensitively", async () => {
    const base = `${tg.url}/bot${DEFAULT_TELEGRAM_TOKEN}`;
    const form = await fetch(`${base}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: "7", text: "form" }),
    });
    const data = new FormData();
    data.set("chat_id", "7");
    data.set("text", "multipart");
    const multipart = await fetch(`${base}/sendmessage`, { method: "POST", body: data });
    const query = await fetch(`${base}/SENDMESSAGE?chat_id=7&text=query`);
    expect([form.status, multipart.status, query.status]).toEqual([200, 200, 200]);
    expect(tg.sent(7)).toEqual(["form", "multipart", "query"]);
    expect(tg.calls[0]?.params).toEqual({ chat_id: "7", text: "form" });
  });

  test("unknown token → 401, unknown method → 404", async () => {
    expect(await call("getMe", {}, "1:wrong")).toEqual({
      status: 401,
      json: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    expect((await call("noSuchMethod")).json).toEqual({
      ok: false,
      error_code: 404,
      description: "Not Found",
    });
  });

  test("scripted failures come in the real shape, once, then normal service resumes", async () => {
    tg.script("sendMessage", telegramErrors.tooManyRequests(1));
    tg.script("sendMessage", telegramErrors.blocked(), { when: (c) => c.params.chat_id === 9 });
    const limited = await call("sendMessage", { chat_id: 1, text: "a" });
    expect(limited).toEqual({
      status: 429,
      json: {
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 1",
        parameters: { retry_after: 1 },
      },
    });
    expect((await call("sendMessage", { chat_id: 1, text: "a" })).status).toBe(200);
    expect((await call("sendMessage", { chat_id: 9, text: "b" })).json).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    tg.script("*", telegramErrors.chatNotFound(), { times: 2 });
    expect((await call("sendChatAction", { chat_id: 1, action: "typing" })).json.description).toBe(
      "Bad Request: chat not found",
    );
    expect((await call("sendMessage", { chat_id: 1, text: "x" })).status).toBe(400);
    expect((await call("sendMessage", { chat_id: 1, text: "x" })).status).toBe(200);

    tg.script("sendMessage", telegramErrors.serverError(500));
    tg.script("sendMessage", telegramErrors.badGateway());
    expect((await call("sendMessage", { chat_id: 1, text: "x" })).json).toEqual({
      ok: false,
      error_code: 500,
      description: "Internal Server Error",
    });
    const gateway = await fetch(`${tg.url}/bot${DEFAULT_TELEGRAM_TOKEN}/sendMessage`, { method: "POST" });
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get("content-type")).toBe("text/html");
    expect(tg.calls.at(-1)?.response?.status).toBe(502);
  });

  test("scripted delay and dropped connection", async () => {
    tg.script("sendMessage", { delayMs: 50 });
    const started = Date.now();
    expect((await call("sendMessage", { chat_id: 1, text: "slow" })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    tg.script("sendMessage", { destroy: true });
    const dropped = await call("sendMessage", { chat_id: 1, text: "x" }).then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(dropped).toBeInstanceOf(Error);
  });

  test("validates parse modes and lengths like the Bot API", async () => {
    const bad = await call("sendMessage", { chat_id: 1, text: "a < b", parse_mode: "HTML" });
    expect(bad.json).toEqual({
      ok: false,
      error_code: 400,
      description: `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`,
    });
    const good = await call("sendMessage", {
      chat_id: 1,
      text: "<b>bold</b> &lt;x&gt; &amp;",
      parse_mode: "HTML",
    });
    expect(good.json.result).toMatchObject({ text: "bold <x> &" });
    const md = await call("sendMessage", { chat_id: 1, text: "Hello.", parse_mode: "MarkdownV2" });
    expect(md.json.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect((await call("sendMessage", { chat_id: 1, text: "x".repeat(4097) })).json.description).toBe(
      "Bad Request: message is too long",
    );
    expect((await call("sendMessage", { chat_id: 1, text: "x".repeat(4096) })).status).toBe(200);
    expect((await call("sendMessage", { chat_id: 1, text: "" })).json.description).toBe(
      "Bad Request: message text is empty",
    );
    expect((await call("sendMessage", { text: "x" })).json.description).toBe("Bad Request: chat_id is empty");
  });

  test("editMessageText edits the bot's message; not found and not modified are errors", async () => {
    await call("sendMessage", { chat_id: 5, text: "thinking…" });
    const edited = await call("editMessageText", { chat_id: 5, message_id: 1, text: "done" });
    expect(edited.json.result).toMatchObject({ message_id: 1, text: "done" });
    expect(tg.messages[0]?.text).toBe("done");
    expect(
      (await call("editMessageText", { chat_id: 5, message_id: 1, text: "done" })).json.description,
    ).toStartWith("Bad Request: message is not modified");
    expect((await call("editMessageText", { chat_id: 5, message_id: 99, text: "x" })).json.description).toBe(
      "Bad Request: message to edit not found",
    );
  });

  test("sendChatAction validates the action", async () => {
    expect((await call("sendChatAction", { chat_id: 1, action: "typing" })).json).toEqual({
      ok: true,
      result: true,
    });
    expect((await call("sendChatAction", { chat_id: 1, action: "dancing" })).status).toBe(400);
  });

  test("setWebhook is reflected by getWebhookInfo; deleteWebhook clears it", async () => {
    const set = await call("setWebhook", {
      url: "https://abc.execute-api.us-east-1.amazonaws.com/telegram",
      secret_token: "s3cret_-X",
      allowed_updates: ["message", "callback_query"],
      max_connections: 10,
    });
    expect(set.json).toEqual({ ok: true, result: true, description: "Webhook was set" });
    expect(tg.webhook).toMatchObject({ secret_token: "s3cret_-X" });
    const info = await call("getWebhookInfo");
    expect(info.json.result).toEqual({
      url: "https://abc.execute-api.us-east-1.amazonaws.com/telegram",
      has_custom_certificate: false,
      pending_update_count: 0,
      max_connections: 10,
      ip_address: "127.0.0.1",
      allowed_updates: ["message", "callback_query"],
    });
    // allowed_updates omitted → previous value kept.
    await call("setWebhook", { url: "https://example.com/other" });
    expect(tg.webhook?.allowed_updates).toEqual(["message", "callback_query"]);
    expect((await call("setWebhook", { url: "http://example.com/x" })).json.description).toBe(
      "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    );
    expect(
      (await call("setWebhook", { url: "https://example.com/x", secret_token: "no spaces" })).status,
    ).toBe(400);
    expect((await call("deleteWebhook")).json).toEqual({
      ok: true,
      result: true,
      description: "Webhook was deleted",
    });
    expect((await call("getWebhookInfo")).json.result).toEqual({
      url: "",
      has_custom_certificate: false,
      pending_update_count: 0,
    });
  });

  test("setMyCommands / deleteMyCommands", async () => {
    const commands = [
      { command: "new", description: "Start a new conversation" },
      { command: "help", description: "Help" },
    ];
    expect((await call("setMyCommands", { commands })).json).toEqual({ ok: true, result: true });
    expect(tg.commands.get("default|")).toEqual(commands);
    expect((await call("getMyCommands")).json.result).toEqual(commands);
    expect(
      (await call("setMyCommands", { commands: [{ command: "Bad-Name", description: "x" }] })).status,
    ).toBe(400);
    await call("deleteMyCommands");
    expect(tg.commands.size).toBe(0);
  });

  test("waitFor resolves on a later call and times out with the calls listed", async () => {
    const waiting = tg.waitFor((calls) => calls.find((c) => c.method === "sendMessage"), 10_000);
    const done = Bun.sleep(20).then(() => call("sendMessage", { chat_id: 3, text: "later" }));
    expect((await waiting).params.text).toBe("later");
    expect((await done).status).toBe(200);
    await expect(tg.waitFor(() => false, 30)).rejects.toThrow(/timed out after 30 ms; 1 calls/);
  });
});

describe("Telegram entity parsing", () => {
  test("HTML", () => {
    expect(parseHtml('<a href="https://x.y/?a=1&amp;b=2">link</a> <code>x&lt;y</code>')).toEqual({
      ok: true,
      text: "link x<y",
    });
    expect(parseHtml('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>')).toEqual({
      ok: true,
      text: "st",
    });
    expect(parseHtml("<b>x")).toEqual({
      ok: false,
      error: `Can't find end tag corresponding to start tag "b"`,
    });
    expect(parseHtml("<b><i>x</b></i>")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Unmatched end tag/),
    });
    expect(parseHtml("x</b>")).toEqual({ ok: false, error: "Unexpected end tag at byte offset 1" });
    expect(parseHtml("é<p>")).toEqual({ ok: false, error: `Unsupported start tag "p" at byte offset 2` });
    expect(parseHtml("fish & chips &foo;")).toEqual({ ok: true, text: "fish & chips &foo;" });
  });

  test("MarkdownV2", () => {
    expect(parseMarkdownV2("*bold* _it_ __u__ ~s~ ||sp|| `c\\`` [t](https://x.y/a\\)b) 1\\.5\\!")).toEqual({
      ok: true,
      text: "bold it u s sp c` t 1.5!",
    });
    expect(parseMarkdownV2("```python\nprint(1)\n```")).toEqual({ ok: true, text: "print(1)\n" });
    expect(parseMarkdownV2(">quote\nline")).toEqual({ ok: true, text: "quote\nline" });
    expect(parseMarkdownV2("*open")).toEqual({
      ok: false,
      error: "Can't find end of Bold entity at byte offset 0",
    });
    expect(parseMarkdownV2("a-b")).toEqual({
      ok: false,
      error: "Character '-' is reserved and must be escaped with the preceding '\\'",
    });
  });

  test("legacy Markdown", () => {
    expect(parseMarkdown("*b* _i_ `c` [l](https://x.y) snake\\_case")).toEqual({
      ok: true,
      text: "b i c l snake_case",
    });
    expect(parseMarkdown("snake_case")).toEqual({
      ok: false,
      error: "Can't find end of the entity starting at byte offset 5",
    });
  });
});

describe("inbound updates", () => {
  test("telegramTextUpdate builds private, group and command updates", () => {
    const update = telegramTextUpdate({ text: "hello", userId: 7, updateId: 5 });
    expect(update).toMatchObject({
      update_id: 5,
      message: { from: { id: 7, is_bot: false }, chat: { id: 7, type: "private" }, text: "hello" },
    });
    expect(update.message?.entities).toBeUndefined();
    const command = telegramTextUpdate({ text: "/new@fake_relay_bot now", chatId: -100123, threadId: 9 });
    expect(command.message).toMatchObject({
      chat: { id: -100123, type: "supergroup", is_forum: true },
      message_thread_id: 9,
      is_topic_message: true,
      entities: [{ type: "bot_command", offset: 0, length: 19 }],
    });
    expect(telegramTextUpdate({ text: "a" }).update_id).toBeLessThan(
      telegramTextUpdate({ text: "b" }).update_id,
    );
  });

  test("deliver POSTs to the webhook with the secret token header", async () => {
    const hook = await startTelegram({ strictWebhookUrl: false });
    const received: { secret: string | null; body: unknown }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        received.push({ secret: req.headers.get("x-telegram-bot-api-secret-token"), body: await req.json() });
        return new Response(null, { status: 204 });
      },
    });
    try {
      await fetch(`${hook.url}/bot${hook.token}/setWebhook`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `http://127.0.0.1:${server.port}/telegram`, secret_token: "abc" }),
      });
      const update = telegramTextUpdate({ text: "hi" });
      expect(await hook.deliver(update)).toBe(204);
      expect(received).toEqual([{ secret: "abc", body: update }]);
    } finally {
      server.stop(true);
      await hook.close();
    }
  });
});

describe("buttons", () => {
  test("an inline keyboard is kept on the message; a press is delivered, and answered once from the webhook's response", async () => {
    const markup = { inline_keyboard: [[{ text: "Allow", callback_data: "/allow K7MX2P" }]] };
    const sent = await call("sendMessage", { chat_id: 42, text: "Allow?", reply_markup: markup });
    expect(sent.json.result).toMatchObject({ reply_markup: markup });
    const tooLong = { inline_keyboard: [[{ text: "x", callback_data: "x".repeat(65) }]] };
    expect((await call("sendMessage", { chat_id: 42, text: "x", reply_markup: tooLong })).status).toBe(400);
    const press = tg.press({ userId: 42, chatId: 42, messageId: 1, data: "/allow K7MX2P" });
    expect(press.callback_query).toMatchObject({
      data: "/allow K7MX2P",
      from: { id: 42 },
      message: { message_id: 1 },
    });
    const webhook = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const update = (await request.json()) as { callback_query?: { id: string } };
        return Response.json({ method: "answerCallbackQuery", callback_query_id: update.callback_query?.id });
      },
    });
    try {
      expect(await tg.deliver(press, `http://127.0.0.1:${webhook.port}/`)).toBe(200);
      expect(tg.callsOf("answerCallbackQuery").map((c) => c.response?.status)).toEqual([200]);
      const again = await call("answerCallbackQuery", { callback_query_id: press.callback_query?.id });
      expect(again.status).toBe(400);
    } finally {
      webhook.stop(true);
    }
  });
});

describe("sendMediaGroup", () => {
  /** An album request as a multipart form: `media` as JSON, each file a part named by attach://. */
  async function album(media: unknown[], files: Record<string, string>) {
    const form = new FormData();
    form.set("chat_id", "42");
    form.set("media", JSON.stringify(media));
    for (const [name, type] of Object.entries(files))
      form.set(name, new File([new Uint8Array([1, 2, 3])], `${name}.bin`, { type }));
    const res = await fetch(`${tg.url}/bot${DEFAULT_TELEGRAM_TOKEN}/sendMediaGroup`, {
      method: "POST",
      body: form,
    });
    return { status: res.status, json: (await res.json()) as { result?: unknown; description?: string } };
  }

  test("2–10 photos and videos become messages sharing a media_group_id, captions their own", async () => {
    const sent = await album(
      [
        { type: "photo", media: "attach://a", caption: "one" },
        { type: "video", media: "attach://b" },
      ],
      { a: "image/png", b: "video/mp4" },
    );
    expect(sent.status).toBe(200);
    const messages = sent.json.result as { media_group_id: string; caption?: string; photo?: unknown }[];
    expect(messages).toHaveLength(2);
    expect(messages[0]?.media_group_id).toBe(messages[1]?.media_group_id as string);
    expect(messages[0]).toMatchObject({ caption: "one", photo: [{ width: 1 }] });
  });

  test("refused like the real API: one item, audio mixed with photos, a missing attach", async () => {
    const one = await album([{ type: "photo", media: "attach://a" }], { a: "image/png" });
    const mixed = await album(
      [
        { type: "photo", media: "attach://a" },
        { type: "audio", media: "attach://b" },
      ],
      { a: "image/png", b: "audio/mpeg" },
    );
    const missing = await album(
      [
        { type: "document", media: "attach://a" },
        { type: "document", media: "attach://nope" },
      ],
      { a: "application/pdf" },
    );
    expect([one.status, mixed.status, missing.status]).toEqual([400, 400, 400]);
    expect(mixed.json.description).toContain("can't be mixed");
    expect(tg.messages).toHaveLength(0);
  });
});
