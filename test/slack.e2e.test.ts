/**
 * Slack end to end, through the built bundles as Lambda runs them: signed Events API requests as API
 * Gateway HTTP API v2 events into modules/slack/dist/ingress.mjs, SQS events (received from fauxqs by the
 * real SDK) into worker.mjs, the real AgentCore SDK client against the fake data plane, replies to the fake
 * Slack Web API.
 */
import { describe, expect, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import { agentReply, FAKE_AGENT_RUNTIME_ARN } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type IngressHandler, lambdaContext } from "../emulators/lambda.ts";
import {
  FAKE_BOT_USER_ID as BOT,
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  FAKE_BOT_ID,
  type SignOptions,
  type SlackMessageInput,
  slackErrors,
  slackEventCallback,
  slackHeaders,
  slackMentionEvent,
  slackMessageEvent,
  slackTs,
  startSlack,
} from "../emulators/slack.ts";
import { loadBundle, runInNode } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const INGRESS = "modules/slack/dist/ingress.mjs";
const ALLOWED = "U0HUMAN001";
const STRANGER = "U0STRANGE1";
const DM = "D0DMCHAN01";
const CHANNEL = "C0CHANNEL1";
const FAILED = "Sorry, I could not answer that. Please try again later.";

const {
  stack,
  platform: slack,
  ingress,
  worker,
  work,
  pollOnce,
  depth,
} = await useChannelE2E({
  channel: "slack",
  secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
  platform: () => startSlack({ notInChannels: ["C0NOTMINE1"] }),
  // The send ledger on, as the module deploys the worker.
  ledger: "slack-ledger",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, SLACK_API_URL: platform.url }),
});

/** POSTs a raw body to /slack/events with Slack's signed headers (overridable). */
function post(raw: string, sign: SignOptions = {}, headers: Record<string, string> = {}, base64 = false) {
  return ingress(
    httpApiEvent({
      method: "POST",
      path: "/slack/events",
      headers: { ...slackHeaders(raw, sign), ...headers },
      body: raw,
      isBase64Encoded: base64,
    }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
}

/** Delivers an event wrapped in event_callback, signed; resolves with the response and the payload. */
async function deliver(
  event: object,
  options: Parameters<typeof slackEventCallback>[1] = {},
  sign: SignOptions = {},
) {
  const payload = slackEventCallback(event, options);
  const response = await post(JSON.stringify(payload), sign);
  return { response, payload };
}

const dm = (text: string, input: Partial<SlackMessageInput> = {}) =>
  slackMessageEvent({ text, user: ALLOWED, ...input });
const mention = (text: string, input: Partial<SlackMessageInput> = {}) =>
  slackMentionEvent({ text, user: ALLOWED, channel: CHANNEL, ...input });

const prompts = () => stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt);

describe("a message travels", () => {
  test("DM → SQS → worker → AgentCore → chat.postMessage, with a progress reaction", async () => {
    const event = dm("hello agent");
    const { response } = await deliver(event);
    expect([response.statusCode, response.body]).toEqual([200, "ok"]);
    expect(await depth()).toBe(1);

    await work();
    const [call] = stack.agentcore.invocations();
    expect(call?.arn).toBe(FAKE_AGENT_RUNTIME_ARN);
    expect(call?.sessionId).toMatch(/^slack-[0-9a-f]{64}$/);
    expect(call?.payload).toMatchObject({ prompt: "hello agent", channel: "slack", user: { id: ALLOWED } });
    // A DM's own message is answered in the DM, not in a thread.
    expect(slack.messages.map((m) => [m.channel, m.thread_ts, m.text])).toEqual([
      [DM, undefined, "echo: hello agent"],
    ]);
    const reaction = { channel: DM, timestamp: event.ts, name: "eyes" };
    expect(slack.callsOf("reactions.add")[0]?.params).toEqual(reaction);
    expect(slack.callsOf("reactions.remove")[0]?.params).toEqual(reaction);
    expect(slack.reactions.size).toBe(0);
    expect(stack.secrets.callCount()).toBeLessThanOrEqual(2); // once per container: ingress + worker
  });

  test("url_verification: the challenge, signed, answered at once; nothing queued", async () => {
    const body = JSON.stringify({
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const response = await post(body);
    expect([response.statusCode, response.body]).toEqual([
      200,
      "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    ]);
    const forged = await post(body, { signingSecret: "0".repeat(32) });
    expect(forged.statusCode).toBe(401);
    expect(await depth()).toBe(0);
  });

  test("base64-encoded bodies are verified as the bytes Slack signed", async () => {
    const raw = JSON.stringify(slackEventCallback(dm("über base64 ✓")));
    expect((await post(raw, {}, {}, true)).statusCode).toBe(200);
    await work();
    expect(slack.sent(DM)).toEqual(["echo: über base64 ✓"]);
  });

  test("a mention in a channel: answered in its thread, the mention stripped", async () => {
    const event = mention("what time is it?");
    await deliver(event);
    await work();
    expect(prompts()).toEqual(["what time is it?"]);
    expect(slack.messages.map((m) => [m.channel, m.thread_ts])).toEqual([[CHANNEL, event.ts]]);
  });

  test("each thread is its own session and queue group; one DM keeps one session", async () => {
    const a = mention("one");
    const b = mention("two");
    await deliver(a);
    await deliver(b);
    await deliver(mention("one again", { threadTs: a.ts }));
    await deliver(dm("first"));
    await deliver(dm("second"));
    await work();
    // Groups are worked in any order: look sessions up by prompt.
    const session = new Map(
      stack.agentcore.invocations().map((c) => [(c.payload as { prompt: string }).prompt, c.sessionId]),
    );
    expect(new Set(session.values()).size).toBe(3);
    expect(session.get("one again")).toBe(session.get("one"));
    expect(session.get("two")).not.toBe(session.get("one"));
    expect(session.get("second")).toBe(session.get("first"));
    expect(slack.sent(CHANNEL, a.ts)).toEqual(["echo: one", "echo: one again"]);
  });

  test("thread replies without a mention: answered where the bot is part of the thread, and only there", async () => {
    const started = mention("start a thread");
    await deliver(started);
    await work();
    const followUp = dm("and a follow-up", { channel: CHANNEL, threadTs: started.ts });
    await deliver(followUp);
    await deliver(dm("people talking", { channel: CHANNEL, threadTs: slackTs() }));
    await deliver(dm("a stranger in a thread", { channel: CHANNEL, threadTs: slackTs(), user: STRANGER }));
    expect(await depth()).toBe(3);
    await work();
    expect(prompts()).toEqual(["start a thread", "and a follow-up"]);
    expect(slack.sent(CHANNEL, started.ts)).toEqual(["echo: start a thread", "echo: and a follow-up"]);
    expect(slack.messages).toHaveLength(2); // nobody else hears from the bot, not even a refusal
    // The bot answered in that thread in this container: no read of the thread was needed.
    expect(slack.callsOf("conversations.replies").map((c) => c.params.ts)).not.toContain(started.ts);
  });

  test("a thread the bot answered in another container is found by reading the thread", async () => {
    const parent = slackTs();
    slack.addToThread(CHANNEL, parent, { user: ALLOWED, ts: parent, text: `<@${BOT}> hi` });
    slack.addToThread(CHANNEL, parent, { user: BOT, bot_id: FAKE_BOT_ID, text: "hello" });
    await deliver(dm("thanks!", { channel: CHANNEL, threadTs: parent }));
    await work();
    expect(prompts()).toEqual(["thanks!"]);
    expect(slack.callsOf("conversations.replies")[0]?.params).toMatchObject({ channel: CHANNEL, ts: parent });
  });

  test("assistant threads (a DM thread): status while the agent works instead of a reaction", async () => {
    const thread = slackTs();
    await deliver(dm("in the assistant pane", { threadTs: thread }));
    await work();
    expect(slack.messages.map((m) => [m.channel, m.thread_ts])).toEqual([[DM, thread]]);
    expect(slack.callsOf("assistant.threads.setStatus").map((c) => c.params.status)).toEqual([
      "is thinking…",
      "",
    ]);
    expect(slack.callsOf("reactions.add")).toHaveLength(0);
  });

  test("Markdown answers arrive as mrkdwn; long ones split at 4,000 characters", async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(
      agentReply.json({ result: { content: [{ text: `**Bold** & <tag> [docs](https://x.y)\n\n${long}` }] } }),
    );
    await deliver(dm("long please"));
    await work();
    const sent = slack.sent(DM);
    expect(sent.length).toBeGreaterThan(2);
    expect(sent[0]).toStartWith("*Bold* &amp; &lt;tag&gt; <https://x.y|docs>");
    for (const text of sent) expect(text.length).toBeLessThanOrEqual(4_000);
  });

  test("SSE answers are concatenated", async () => {
    stack.agentcore.script(agentReply.sseJson(["Hel", "lo ", "wörld"], { chunkBytes: 3 }));
    await deliver(dm("stream"));
    await work();
    expect(slack.sent(DM)).toEqual(["Hello wörld"]);
  });

  test("an event without authorizations: the ingress asks auth.test once for the bot user", async () => {
    const started = mention("thread");
    await deliver(started);
    await work();
    await deliver(dm(`<@${BOT}> mentioned again`, { channel: CHANNEL, threadTs: started.ts }), {
      botUserId: null,
    });
    await deliver(dm("follow-up", { channel: CHANNEL, threadTs: started.ts }), { botUserId: null });
    await work();
    expect(slack.callsOf("auth.test")).toHaveLength(1);
    expect(prompts()).toEqual(["thread", "follow-up"]); // the mention's message copy was dropped
  });
});

describe("commands and the allowlist", () => {
  test("/help and /new answer without the agent; /new stops the session", async () => {
    await deliver(dm("/help"));
    await deliver(dm("/new"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(0);
    expect(stack.agentcore.stoppedSessions).toHaveLength(1);
    expect(stack.agentcore.stoppedSessions[0]).toMatch(/^slack-/);
    const [help, fresh] = slack.sent(DM);
    expect(help).toContain("/new");
    expect(fresh).toBe("Started a new conversation.");
  });

  test("a stranger gets one refusal and never reaches the agent", async () => {
    await deliver(dm("let me in", { user: STRANGER }));
    await work();
    expect(stack.agentcore.calls).toHaveLength(0);
    expect(slack.sent(DM)).toEqual(["Sorry, you are not allowed to use this bot."]);
  });
});

describe("bad input gets a clear answer and queues nothing", () => {
  const raw = () => JSON.stringify(slackEventCallback(dm("x")));

  test("wrong signature, stale or future timestamp, missing headers → 401", async () => {
    const body = raw();
    const now = Math.floor(Date.now() / 1000);
    const responses = await Promise.all([
      post(body, { signingSecret: "f".repeat(32) }),
      post(body, { timestamp: now - 301 }),
      post(body, { timestamp: now + 301 }),
      post(body, {}, { "x-slack-signature": "" }),
      post(body, {}, { "x-slack-request-timestamp": "" }),
      post(
        body.replace('"x"', '"y"'),
        {},
        { "x-slack-signature": slackHeaders(body)["x-slack-signature"] as string },
      ),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(responses.map((r) => r.body)).toEqual([
      "unauthorized: bad signature",
      "unauthorized: stale timestamp",
      "unauthorized: stale timestamp",
      "unauthorized: missing signature headers",
      "unauthorized: missing signature headers",
      "unauthorized: bad signature",
    ]);
    expect(await depth()).toBe(0);
  });

  test("a replayed request (signed more than 5 minutes ago) → 401", async () => {
    const body = raw();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await post(body, { timestamp: old })).statusCode).toBe(401);
    expect(await depth()).toBe(0);
  });

  test("not JSON, not a Slack request, or a malformed event → 400, and Slack is told not to retry", async () => {
    const notJson = await post("{not json");
    const notSlack = await post(JSON.stringify({ hello: "world" }));
    const badEvent = await post(JSON.stringify(slackEventCallback({ ...dm("x"), ts: "yesterday" })));
    expect([notJson.statusCode, notSlack.statusCode, badEvent.statusCode]).toEqual([400, 400, 400]);
    expect([notJson.body, notSlack.body, badEvent.body]).toEqual([
      "body is not JSON",
      "not a Slack event: bad type",
      "not a Slack event: bad event.ts",
    ]);
    for (const r of [notJson, notSlack, badEvent]) expect(r.headers?.["x-slack-no-retry"]).toBe("1");
    expect(await depth()).toBe(0);
  });

  test("a body over 1 MiB → 413", async () => {
    const response = await post(JSON.stringify({ type: "event_callback", padding: "x".repeat(1024 * 1024) }));
    expect(response.statusCode).toBe(413);
    expect(await depth()).toBe(0);
  });

  test("wrong route or method → 404", async () => {
    expect((await ingress(httpApiEvent({ method: "GET", path: "/slack/events" }))).statusCode).toBe(404);
    expect((await ingress(httpApiEvent({ method: "POST", path: "/slack" }))).statusCode).toBe(404);
  });

  test("the bot's own messages, other bots, edits, joins and chatter: 200, not queued, no agent call", async () => {
    const events = [
      dm("my own answer", { user: BOT }),
      { ...dm("echo"), bot_id: FAKE_BOT_ID },
      dm("other bot", { subtype: "bot_message", botId: "B0OTHER001" }),
      {
        type: "message",
        subtype: "message_changed",
        channel: DM,
        ts: slackTs(),
        message: { text: "edited" },
      },
      dm("joined", { channel: CHANNEL, subtype: "channel_join" }),
      dm("chatter", { channel: CHANNEL }),
      {
        type: "assistant_thread_started",
        assistant_thread: { user_id: ALLOWED, channel_id: DM, thread_ts: "1.2" },
      },
    ];
    for (const event of events) expect((await deliver(event)).response.statusCode).toBe(200);
    const limited = await post(
      JSON.stringify({ type: "app_rate_limited", team_id: "T1", minute_rate_limited: 1 }),
    );
    expect(limited.statusCode).toBe(200);
    expect(await depth()).toBe(0);
    await work();
    expect(stack.agentcore.calls).toHaveLength(0);
    expect(slack.messages).toHaveLength(0);
  });
});

describe("nothing lost, nothing twice", () => {
  test("Slack's retry of an event (X-Slack-Retry-Num) → one agent call, one reply", async () => {
    const payload = slackEventCallback(dm("only once"));
    const body = JSON.stringify(payload);
    expect((await post(body)).statusCode).toBe(200);
    expect((await post(body, { retryNum: 1, retryReason: "http_timeout" })).statusCode).toBe(200);
    expect((await post(body, { retryNum: 2 })).statusCode).toBe(200);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(slack.sent(DM)).toEqual(["echo: only once"]);
  });

  test("a retry that is the only delivery that arrived is answered", async () => {
    const body = JSON.stringify(slackEventCallback(dm("first try lost")));
    expect((await post(body, { retryNum: 1, retryReason: "http_error" })).statusCode).toBe(200);
    await work();
    expect(slack.sent(DM)).toEqual(["echo: first try lost"]);
  });

  test("SQS unavailable → 503 (Slack retries), never 200", async () => {
    // Port 9 (discard) has no listener on loopback: SendMessage cannot connect.
    const restore = setEnv({
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
      QUEUE_URL: "http://127.0.0.1:9/000000000000/slack.fifo",
    });
    try {
      const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
      const body = JSON.stringify(slackEventCallback(dm("lost?")));
      const response = await isolated(
        httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(body), body }),
      );
      expect(response.statusCode).toBe(503);
      expect(response.headers?.["x-slack-no-retry"]).toBeUndefined();
    } finally {
      restore();
    }
  });

  test("agent failures are retried through SQS, then DLQ + one notice in the thread", async () => {
    stack.agentcore.setDefault(() => agentReply.error("InternalServerException"));
    const event = mention("doomed");
    await deliver(event);
    const first = await pollOnce();
    expect(first.failed).toHaveLength(1);
    expect(slack.messages).toHaveLength(0);
    expect(slack.reactions.size).toBe(0); // the progress reaction does not linger between attempts
    await work(); // attempts 2 and 3; the third is the last
    expect(stack.agentcore.invocations()).toHaveLength(3);
    expect(slack.sent(CHANNEL, event.ts)).toEqual([FAILED]);
    await work(); // the next receive redrives it
    const dead = await stack.sqs.receiveAll(stack.queue.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? "{}")).toMatchObject({ text: "doomed", channel: "slack" });
  });

  test("Slack down while checking a thread: retried; no notice lands in a thread the bot is not in", async () => {
    slack.script("conversations.replies", slackErrors.serverError(503), { times: 10 });
    await deliver(dm("is anyone there", { channel: CHANNEL, threadTs: slackTs() }));
    await work();
    expect(slack.callsOf("conversations.replies")).toHaveLength(3);
    expect(stack.agentcore.calls).toHaveLength(0);
    expect(slack.messages).toHaveLength(0);
    await work();
    expect(await stack.sqs.receiveAll(stack.queue.dlqUrl)).toHaveLength(1);
  });

  test("a long reply cut short by Slack resumes with the missing parts, without asking the agent again", async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(agentReply.json({ response: long }));
    slack.script("chat.postMessage", slackErrors.serverError(503), {
      when: () => slack.messages.length === 1,
    });
    await deliver(dm("tell me everything"));
    await work();
    expect(slack.callsOf("chat.postMessage").filter((c) => c.response?.status === 503)).toHaveLength(1);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    const sent = slack.sent(DM);
    expect(sent.length).toBeGreaterThan(2);
    expect(new Set(sent).size).toBe(sent.length); // no part twice
    expect(sent[0]).toStartWith("Paragraph 0:");
    expect(sent.at(-1)).toContain("Paragraph 149:");
  });

  test("platform 429 → waits Retry-After, then sends", async () => {
    slack.script("chat.postMessage", slackErrors.ratelimited(1));
    await deliver(dm("rate limited"));
    const started = Date.now();
    await work();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(slack.callsOf("chat.postMessage")).toHaveLength(2);
    expect(slack.sent(DM)).toEqual(["echo: rate limited"]);
  });

  test("errors a retry cannot fix (not_in_channel, channel_not_found, invalid_auth): logged, not retried, not in the DLQ", async () => {
    const about = (word: string) => ({
      when: (c: { params: Record<string, unknown> }) =>
        String(c.params.text ?? c.params.markdown_text).includes(word),
    });
    slack.script("chat.postMessage", slackErrors.error("channel_not_found"), about("archived"));
    slack.script("chat.postMessage", slackErrors.error("invalid_auth"), about("revoked"));
    // The answer may go out as a stream when its first words come before its end (handlers/slack/README.md).
    slack.script("chat.startStream", slackErrors.error("invalid_auth"), about("revoked"));
    await deliver(mention("gone", { channel: "C0NOTMINE1" }));
    await deliver(mention("archived"));
    await deliver(mention("revoked"));
    const result = await work();
    expect(result.polls.flatMap((p) => p.failed)).toEqual([]);
    expect(stack.agentcore.invocations()).toHaveLength(3);
    // A stream Slack refused ends the live updates; the final delivery is still a postMessage.
    const errors = slack
      .callsOf("chat.postMessage")
      .map((c) => (c.response?.body as { error?: string } | undefined)?.error);
    expect(errors.sort()).toEqual(["channel_not_found", "invalid_auth", "not_in_channel"]);
    expect(await depth()).toBe(0);
    expect(await stack.sqs.depth(stack.queue.dlqUrl)).toMatchObject({ visible: 0 });
  });
});

describe("setup action", () => {
  test("run by hand, it checks the bot token (auth.test) and registers nothing", async () => {
    const result = await worker({
      action: "setup",
      url: "https://abc.execute-api.us-east-1.amazonaws.com/slack/events",
    });
    expect(result).toMatchObject({ action: "setup", botUserId: BOT, teamId: "T0FAKETEAM" });
    expect(JSON.stringify(result)).not.toContain(DEFAULT_SLACK_TOKEN);
    expect(slack.callsOf("auth.test")).toHaveLength(1);
    expect(await worker({ action: "teardown" })).toMatchObject({ action: "teardown" });
  });
});

test("the bundles run under Node (the Lambda runtime), not only Bun, and the ingress never loads Node's fetch", async () => {
  const body = JSON.stringify(slackEventCallback(dm("from node")));
  const event = httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(body), body });
  const { result, loaded } = await runInNode<APIGatewayProxyResult>(INGRESS, event, {
    ...stack.env({ LOG_LEVEL: "error" }),
    SLACK_API_URL: slack.url,
  });
  expect(result.statusCode).toBe(200);
  // The light web classes (handlers/core/web.ts): Node's fetch stays unloaded, a cold start's largest cost.
  expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  await work();
  expect(slack.sent(DM)).toEqual(["echo: from node"]);
});
