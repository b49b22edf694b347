/**
 * Telegram end to end, through the built bundles as Lambda runs them: API Gateway HTTP API v2
 * events into modules/telegram/dist/ingress.mjs, SQS events (received from fauxqs by the real SDK)
 * into worker.mjs, the real AgentCore SDK client against the fake data plane, replies to the fake
 * Bot API.
 */
import { describe, expect, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import { agentReply, FAKE_AGENT_RUNTIME_ARN } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type IngressHandler, lambdaContext } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramErrors, telegramTextUpdate } from "../emulators/telegram.ts";
import { loadBundle, runInNode } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const INGRESS = "modules/telegram/dist/ingress.mjs";
const WEBHOOK_SECRET = "webhook-secret_0123456789";
const ALLOWED = 1001;
const STRANGER = 2002;

const { stack, ingress, worker, work, pollOnce, depth } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
  telegram: { botUsername: "RelayBot" },
  env: () => ({ ALLOWED_USERS: String(ALLOWED) }),
});
let updateId = 500;

/** A signed (or not) webhook delivery of `update` to the ingress. */
function webhook(body: unknown, headers: Record<string, string> = {}, base64 = false) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": WEBHOOK_SECRET,
        ...headers,
      },
      body: raw,
      isBase64Encoded: base64, // the harness encodes the body, as API Gateway does
    }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
}

function message(text: string, options: { userId?: number; chatId?: number } = {}) {
  return telegramTextUpdate({ text, updateId: ++updateId, messageId: updateId, ...options });
}

describe("a message travels", () => {
  test("webhook → SQS → worker → AgentCore → sendMessage", async () => {
    const response = await webhook(message("hello agent"));
    expect(response.statusCode).toBe(200);
    expect(await depth()).toBe(1);

    await work();
    const [call] = stack.agentcore.invocations();
    expect(call?.arn).toBe(FAKE_AGENT_RUNTIME_ARN);
    expect(call?.qualifier).toBe("DEFAULT");
    expect(call?.sessionId).toMatch(/^telegram-[0-9a-f]{64}$/);
    expect(call?.userId).toBeUndefined();
    expect(call?.payload).toMatchObject({
      prompt: "hello agent",
      channel: "telegram",
      user: { id: String(ALLOWED) },
    });
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: hello agent"]);
    expect(stack.telegram.callsOf("sendChatAction")[0]?.params).toMatchObject({ action: "typing" });
    expect(stack.secrets.callCount()).toBeLessThanOrEqual(2); // once per container: ingress + worker
  });

  test("base64-encoded bodies are decoded before anything else", async () => {
    expect((await webhook(message("über base64 ✓"), {}, true)).statusCode).toBe(200);
    await work();
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: über base64 ✓"]);
  });

  test("one chat keeps one session; another chat gets another", async () => {
    await webhook(message("one"));
    await webhook(message("two"));
    await webhook(message("three", { userId: ALLOWED, chatId: -1001234 }));
    await work();
    const sessions = stack.agentcore.invocations().map((c) => c.sessionId);
    expect(sessions[0]).toBe(sessions[1]);
    expect(sessions[2]).not.toBe(sessions[0]);
  });

  test("Markdown answers arrive as Telegram HTML; long ones split at 4096", async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(
      agentReply.json({ result: { content: [{ text: `**Bold** & <tag>\n\n${long}` }] } }),
    );
    await webhook(message("long please"));
    await work();
    const sent = stack.telegram.sent(ALLOWED);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent[0]).toStartWith("<b>Bold</b> &amp; &lt;tag&gt;");
    for (const text of sent) expect(text.length).toBeLessThanOrEqual(4096);
    expect(stack.telegram.messages.length).toBe(sent.length);
  });

  test("SSE answers are concatenated", async () => {
    stack.agentcore.script(agentReply.sseJson(["Hel", "lo ", "wörld"], { chunkBytes: 3 }));
    await webhook(message("stream"));
    await work();
    expect(stack.telegram.sent(ALLOWED)).toEqual(["Hello wörld"]);
  });

  test("groups: answered only when addressed, as a reply to the user's message", async () => {
    const group = -1009999;
    await webhook(message("chatter", { chatId: group }));
    const addressed = telegramTextUpdate({
      text: "@RelayBot what time is it",
      chatId: group,
      updateId: ++updateId,
      messageId: 77,
    });
    addressed.message = {
      ...addressed.message,
      entities: [{ type: "mention", offset: 0, length: 9 }],
    } as never;
    await webhook(addressed);
    await work();
    expect(stack.agentcore.invocations().map((c) => (c.payload as { prompt: string }).prompt)).toEqual([
      "what time is it",
    ]);
    const [send] = stack.telegram.callsOf("sendMessage");
    expect(send?.params).toMatchObject({ chat_id: group, reply_parameters: { message_id: 77 } });
  });
});

describe("commands and the allowlist", () => {
  test("/start and /help answer without the agent; /new stops the session", async () => {
    await webhook(message("/start"));
    await webhook(message("/new"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(0);
    expect(stack.agentcore.stoppedSessions).toHaveLength(1);
    expect(stack.agentcore.stoppedSessions[0]).toMatch(/^telegram-/);
    const [help, fresh] = stack.telegram.sent(ALLOWED);
    expect(help).toContain("/new");
    expect(fresh).toBe("Started a new conversation.");
  });

  test("a stranger gets one refusal and never reaches the agent", async () => {
    await webhook(message("let me in", { userId: STRANGER }));
    await work();
    expect(stack.agentcore.calls).toHaveLength(0);
    expect(stack.telegram.sent(STRANGER)).toEqual(["Sorry, you are not allowed to use this bot."]);
  });
});

describe("bad input gets a clear answer and queues nothing", () => {
  test("missing or wrong secret token → 401", async () => {
    const missing = await webhook(message("x"), { "x-telegram-bot-api-secret-token": "" });
    const wrong = await webhook(message("x"), { "x-telegram-bot-api-secret-token": `${WEBHOOK_SECRET}x` });
    expect([missing.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(await depth()).toBe(0);
  });

  test("not JSON, or JSON that is not an update → 400", async () => {
    const notJson = await webhook("{not json");
    const notUpdate = await webhook({ hello: "world" });
    const badMessage = await webhook({ update_id: 1, message: { text: "no chat" } });
    expect([notJson.statusCode, notUpdate.statusCode, badMessage.statusCode]).toEqual([400, 400, 400]);
    expect(notJson.body).toBe("body is not JSON");
    expect(await depth()).toBe(0);
  });

  test("a body over 1 MiB → 413", async () => {
    const response = await webhook({ update_id: 1, padding: "x".repeat(1024 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(await depth()).toBe(0);
  });

  test("wrong route or method → 404", async () => {
    const response = await ingress(httpApiEvent({ method: "GET", path: "/telegram" }));
    expect(response.statusCode).toBe(404);
  });

  test("updates we do not act on get 200 and are not queued", async () => {
    const edited = {
      update_id: ++updateId,
      edited_message: { message_id: 1, date: 1, chat: { id: 1, type: "private" }, text: "x" },
    };
    expect((await webhook(edited)).statusCode).toBe(200);
    expect(await depth()).toBe(0);
  });
});

describe("nothing lost, nothing twice", () => {
  test("the same update_id delivered twice → one agent call, one reply", async () => {
    const update = message("only once");
    expect((await webhook(update)).statusCode).toBe(200);
    expect((await webhook(update)).statusCode).toBe(200);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: only once"]);
  });

  test("SQS unavailable → 503, never 200", async () => {
    // Port 9 (discard) has no listener on loopback: SendMessage cannot connect.
    const restore = setEnv({
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
      QUEUE_URL: "http://127.0.0.1:9/000000000000/telegram.fifo",
    });
    try {
      const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
      const response = await isolated(
        httpApiEvent({
          method: "POST",
          path: "/telegram",
          headers: { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
          body: JSON.stringify(message("lost?")),
        }),
      );
      expect(response.statusCode).toBe(503);
    } finally {
      restore();
    }
  });

  test("agent failures are retried through SQS, then DLQ + one notice to the user", async () => {
    stack.agentcore.setDefault(() => agentReply.error("InternalServerException"));
    await webhook(message("doomed"));
    const first = await pollOnce();
    expect(first.failed).toHaveLength(1);
    expect(stack.telegram.sent(ALLOWED)).toEqual([]);
    await work(); // attempts 2 and 3; the third is the last
    expect(stack.agentcore.invocations()).toHaveLength(3);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["Sorry, I could not answer that. Please try again later."]);
    await work(); // the next receive redrives it
    const dead = await stack.sqs.receiveAll(stack.queue.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? "{}")).toMatchObject({ text: "doomed" });
  });

  test("throttling is retried and then answered", async () => {
    stack.agentcore.script(agentReply.error("ThrottlingException"));
    await webhook(message("busy?"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: busy?"]);
  });

  test("an agent that refuses for good (AccessDenied) → a notice, not retried", async () => {
    stack.agentcore.script(agentReply.error("AccessDeniedException"));
    await webhook(message("forbidden"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["Sorry, I could not answer that. Please try again later."]);
    expect(await stack.sqs.depth(stack.queue.dlqUrl)).toMatchObject({ visible: 0 });
  });

  test("a stream that breaks midway is retried", async () => {
    stack.agentcore.script(
      agentReply.sse(['"partial', ' answer"'], { breakAfterChunks: 1, chunkDelayMs: 5 }),
    );
    await webhook(message("fragile"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: fragile"]);
  });

  test("platform 429 → waits retry_after, then sends", async () => {
    stack.telegram.script("sendMessage", telegramErrors.tooManyRequests(1));
    await webhook(message("rate limited"));
    const started = Date.now();
    await work();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(stack.telegram.callsOf("sendMessage")).toHaveLength(2);
    expect(stack.telegram.messages.map((m) => ("text" in m ? m.text : ""))).toEqual(["echo: rate limited"]);
  });

  test("Telegram rejecting the HTML → the same text again as plain text", async () => {
    stack.telegram.script("sendMessage", telegramErrors.cantParseEntities());
    stack.agentcore.script(agentReply.json({ response: "**bold** 1 < 2" }));
    await webhook(message("format"));
    await work();
    const sends = stack.telegram.callsOf("sendMessage");
    expect(sends.map((c) => c.params.parse_mode)).toEqual(["HTML", undefined]);
    expect(sends[1]?.params.text).toBe("bold 1 < 2");
  });

  test("a user who blocked the bot: logged, not retried, nothing in the DLQ", async () => {
    stack.telegram.script("sendMessage", telegramErrors.blocked(), { times: 5 });
    await webhook(message("blocked"));
    const result = await work();
    expect(result.polls[0]?.failed).toEqual([]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(await depth()).toBe(0);
  });
});

describe("setup action (run by the module during apply)", () => {
  test("setup registers the webhook with the secret token and the commands; delete removes it", async () => {
    const url = "https://abc123.execute-api.us-east-1.amazonaws.com/telegram";
    const result = await worker({ action: "setup", url, revision: "r1" });
    expect(result).toMatchObject({ action: "setup", url, bot: "RelayBot" });
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_SECRET);
    expect(stack.telegram.webhook).toMatchObject({
      url,
      secret_token: WEBHOOK_SECRET,
      allowed_updates: ["message", "callback_query"],
    });
    expect(stack.telegram.commands.get("default|")?.map((c) => c.command)).toEqual(["new", "help"]);

    await worker({ action: "setup", url, tf: { action: "delete", prev_input: { action: "setup", url } } });
    expect(stack.telegram.webhook).toBeUndefined();
  });

  test("destroy with a revoked bot token: the teardown fails, is logged, and the destroy goes on", async () => {
    const url = "https://abc123.execute-api.us-east-1.amazonaws.com/telegram";
    stack.telegram.script("deleteWebhook", {
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    const result = await worker({
      action: "setup",
      url,
      tf: { action: "delete", prev_input: { action: "setup", url } },
    });
    expect(result).toMatchObject({ action: "teardown", teardown: "failed, destroy goes on" });
  });

  test("setup without an https url fails loudly", async () => {
    await expect(worker({ action: "setup", url: "http://insecure.example" })).rejects.toThrow();
  });
});

test("the bundles run under Node (the Lambda runtime), not only Bun, and the ingress never loads Node's fetch", async () => {
  const event = httpApiEvent({
    method: "POST",
    path: "/telegram",
    headers: { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
    body: JSON.stringify(message("from node")),
  });
  const { result, loaded } = await runInNode<APIGatewayProxyResult>(
    INGRESS,
    event,
    stack.env({ LOG_LEVEL: "error" }),
  );
  expect(result.statusCode).toBe(200);
  // The light web classes (handlers/core/web.ts): Node's fetch stays unloaded, a cold start's largest cost.
  expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  await work();
  expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: from node"]);
});
