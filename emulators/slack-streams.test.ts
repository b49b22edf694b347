import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { DEFAULT_SLACK_TOKEN, type FakeSlack, startSlack } from "./slack.ts";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack({ streamIdleMs: 300, rateLimits: { "chat.update": 3 } });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** A form-encoded Web API call: HTTP status, body, Retry-After. */
async function api(method: string, form: Record<string, string>) {
  const response = await fetch(`${fake.url}/${method}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEFAULT_SLACK_TOKEN}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as { ok: boolean; error?: string; ts?: string; message?: unknown };
  return { status: response.status, body, retryAfter: response.headers.get("retry-after") };
}
const THREAD = "1700000000.000100";
const DM = "D0DMCHAN01";

test("chat.startStream: a thread is required; outside a DM the recipient too; 12,000 characters a call", async () => {
  expect((await api("chat.startStream", { channel: DM })).body.error).toBe("invalid_arguments");
  const channel = { channel: "C0CHANNEL1", thread_ts: THREAD };
  expect((await api("chat.startStream", channel)).body.error).toBe("missing_recipient_user_id");
  expect((await api("chat.startStream", { ...channel, recipient_user_id: "U0HUMAN001" })).body.error).toBe(
    "missing_recipient_team_id",
  );
  const big = { channel: DM, thread_ts: THREAD, markdown_text: "x".repeat(12_001) };
  expect((await api("chat.startStream", big)).body.error).toBe("msg_too_long");
  const started = await api("chat.startStream", { channel: DM, thread_ts: THREAD, markdown_text: "Hi" });
  expect(started.body).toMatchObject({ ok: true, ts: expect.any(String) });
});

test("a stream grows by appends, shows streaming_state in the thread, and takes nothing once stopped", async () => {
  const { body } = await api("chat.startStream", { channel: DM, thread_ts: THREAD, markdown_text: "Hel" });
  const ts = String(body.ts);
  expect((await api("chat.appendStream", { channel: DM, ts, markdown_text: "lo" })).body.ok).toBe(true);
  expect((await api("chat.appendStream", { channel: DM, ts })).body.error).toBe("no_text");
  // While it streams, chat.update is refused; the reads show it in progress.
  expect((await api("chat.update", { channel: DM, ts, text: "x" })).body.error).toBe("cant_update_message");
  const thread = await api("conversations.replies", { channel: DM, ts: THREAD });
  expect(thread.body).toMatchObject({ messages: [{ ts, text: "Hello", streaming_state: "in_progress" }] });
  const stopped = await api("chat.stopStream", { channel: DM, ts, markdown_text: "!" });
  expect(stopped.body.message).toMatchObject({ text: "Hello!", streaming_state: "completed" });
  expect((await api("chat.appendStream", { channel: DM, ts, markdown_text: "more" })).body.error).toBe(
    "message_not_in_streaming_state",
  );
  expect((await api("chat.stopStream", { channel: DM, ts })).body.error).toBe(
    "message_not_in_streaming_state",
  );
  expect((await api("chat.update", { channel: DM, ts, text: "*Hello!*" })).body.ok).toBe(true);
  expect(fake.messages.map((m) => m.text)).toEqual(["*Hello!*"]);
});

test("a stream idle past its timeout stops taking appends", async () => {
  const { body } = await api("chat.startStream", { channel: DM, thread_ts: THREAD, markdown_text: "a" });
  await Bun.sleep(400);
  const late = await api("chat.appendStream", { channel: DM, ts: String(body.ts), markdown_text: "b" });
  expect(late.body.error).toBe("message_not_in_streaming_state");
  expect(fake.messages[0]?.streaming_state).toBe("completed");
});

test("chat.update and chat.delete: the bot's messages only; past the method's tier, 429 with Retry-After", async () => {
  const { body } = await api("chat.postMessage", { channel: DM, text: "one" });
  const ts = String(body.ts);
  expect((await api("chat.update", { channel: DM, ts: "1.000001", text: "x" })).body.error).toBe(
    "message_not_found",
  );
  expect((await api("chat.update", { channel: DM, ts, text: "two" })).body.ok).toBe(true);
  expect((await api("chat.update", { channel: DM, ts, text: "three" })).body.ok).toBe(true);
  const limited = await api("chat.update", { channel: DM, ts, text: "four" });
  expect([limited.status, limited.body.error]).toEqual([429, "ratelimited"]);
  expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await api("chat.delete", { channel: DM, ts })).body.ok).toBe(true);
  expect(fake.messages).toEqual([]);
  expect((await api("chat.delete", { channel: DM, ts })).body.error).toBe("message_not_found");
});

test("a workspace without streams answers unknown_method", async () => {
  const off = await startSlack({ streaming: false });
  try {
    const response = await fetch(`${off.url}/chat.startStream`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${DEFAULT_SLACK_TOKEN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ channel: DM, thread_ts: THREAD }).toString(),
    });
    expect(await response.json()).toEqual({ ok: false, error: "unknown_method" });
  } finally {
    await off.close();
  }
});
