import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { DEFAULT_SLACK_TOKEN, type FakeSlack, slackErrors, startSlack } from "../../emulators/slack.ts";
import { PlatformError } from "../core/errors.ts";
import { isSlackError, slackApi } from "./api.ts";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const call = () => slackApi(DEFAULT_SLACK_TOKEN, fake.url);

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PlatformError)) throw new Error(`expected a PlatformError, got ${String(error)}`);
  return error;
}

describe("slackApi", () => {
  test("form-encoded parameters, Bearer token, the whole ok response back", async () => {
    const result = await call()<{ ts: string; channel: string }>("chat.postMessage", {
      channel: "C0CHANNEL1",
      text: "a & b = c?",
      unfurl_links: false,
      thread_ts: undefined,
    });
    expect(result.channel).toBe("C0CHANNEL1");
    const [sent] = fake.callsOf("chat.postMessage");
    expect(sent?.token).toBe(DEFAULT_SLACK_TOKEN);
    expect(sent?.contentType).toStartWith("application/x-www-form-urlencoded");
    expect(sent?.params).toEqual({ channel: "C0CHANNEL1", text: "a & b = c?", unfurl_links: "false" });
  });

  test("read methods work too (they take no JSON)", async () => {
    fake.addToThread("C0CHANNEL1", "1700000000.000100", { user: "U1", ts: "1700000000.000100" });
    const result = await call()<{ messages: unknown[] }>("conversations.replies", {
      channel: "C0CHANNEL1",
      ts: "1700000000.000100",
    });
    expect(result.messages).toHaveLength(1);
  });

  test("errors that cannot succeed on retry are not retryable; the code is the reason", async () => {
    for (const code of [
      "channel_not_found",
      "not_in_channel",
      "invalid_auth",
      "msg_too_long",
      "is_archived",
    ]) {
      fake.script("chat.postMessage", slackErrors.error(code));
      const error = await failure(call()("chat.postMessage", { channel: "C1", text: "x" }));
      expect([error.reason, error.retryable, error.status, error.method]).toEqual([
        code,
        false,
        200,
        "chat.postMessage",
      ]);
      expect(isSlackError(error, code)).toBe(true);
    }
    const bad = await failure(slackApi("xoxb-wrong", fake.url)("auth.test"));
    expect([bad.reason, bad.retryable]).toEqual(["invalid_auth", false]);
    expect(bad.message).not.toContain("xoxb");
  });

  test("rate limits, Slack's trouble, 5xx, non-JSON answers and network failures are retryable", async () => {
    fake.script("chat.postMessage", slackErrors.ratelimited(7));
    const limited = await failure(call()("chat.postMessage", { channel: "C1", text: "x" }));
    expect([limited.status, limited.retryable, limited.retryAfterSeconds]).toEqual([429, true, 7]);

    fake.script("chat.postMessage", slackErrors.error("internal_error"));
    expect((await failure(call()("chat.postMessage", {}))).retryable).toBe(true);

    fake.script("chat.postMessage", slackErrors.serverError(503));
    const down = await failure(call()("chat.postMessage", {}));
    expect([down.status, down.retryable, down.reason]).toEqual([503, true, "not a Web API response"]);

    fake.script("chat.postMessage", { destroy: true });
    const dropped = await failure(call()("chat.postMessage", {}));
    expect([dropped.status, dropped.retryable, dropped.reason]).toEqual([undefined, true, "unreachable"]);

    const closed = await failure(slackApi(DEFAULT_SLACK_TOKEN, "http://127.0.0.1:9")("auth.test"));
    expect(closed.retryable).toBe(true);
  });
});
