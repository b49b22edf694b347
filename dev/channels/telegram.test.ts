import { afterAll, beforeAll, expect, test } from "bun:test";
import { DRAFT_TTL_MS } from "../../emulators/telegram.ts";
import { telegramDev } from "./telegram.ts";
import type { DevPlatform } from "./types.ts";

let platform: DevPlatform;
const call = (method: string, params: Record<string, unknown>) =>
  fetch(`${platform.env.TELEGRAM_API_URL}/bot${platform.secret.bot_token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  }).then((r) => r.json() as Promise<{ ok: boolean; result?: { message_id?: number } }>);

beforeAll(async () => {
  platform = await telegramDev.start();
});
afterAll(() => platform.close());

test("each visible state of the bot's messages is one event with the whole text: drafts, the message, edits, deletion", async () => {
  const chat = { chat_id: 1001 };
  await call("sendChatAction", { ...chat, action: "typing" });
  await call("sendMessageDraft", { ...chat, draft_id: 7, text: "<b>Hel</b>", parse_mode: "HTML" });
  await call("sendMessageDraft", { ...chat, draft_id: 7, text: "<b>Hello</b> wor", parse_mode: "HTML" });
  const sent = await call("sendMessage", { ...chat, text: "<b>Hello</b> world", parse_mode: "HTML" });
  const id = String(sent.result?.message_id);
  await call("editMessageText", {
    ...chat,
    message_id: Number(id),
    text: "Hello <i>world</i>!",
    parse_mode: "HTML",
  });
  await call("deleteMessage", { ...chat, message_id: Number(id) });
  const events = platform.drain();
  expect(events.map(({ kind, id, html }) => ({ kind, id, html }))).toEqual([
    { kind: "typing", id: undefined, html: undefined },
    { kind: "draft", id: "draft:1001:7", html: "<b>Hel</b>" },
    { kind: "draft", id: "draft:1001:7", html: "<b>Hello</b> wor" },
    { kind: "message", id, html: "<b>Hello</b> world" },
    { kind: "edit", id, html: "Hello <i>world</i>!" },
    { kind: "delete", id, html: "" },
  ]);
  // A draft is shown until Telegram drops it, unless shown again.
  const draft = events[1];
  expect((draft?.until ?? 0) - (draft?.at ?? 0)).toBe(DRAFT_TTL_MS);
  expect(platform.drain()).toEqual([]);
});

test("calls Telegram refused show nothing: a draft in a group, an edit of no message", async () => {
  expect((await call("sendMessageDraft", { chat_id: -1002, draft_id: 1, text: "x" })).ok).toBe(false);
  expect((await call("editMessageText", { chat_id: 1001, message_id: 999, text: "x" })).ok).toBe(false);
  expect((await call("deleteMessage", { chat_id: 1001, message_id: 999 })).ok).toBe(false);
  expect(platform.drain()).toEqual([]);
});
