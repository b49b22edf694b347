/**
 * WhatsApp Cloud API end to end, through the built bundles as Lambda runs them: API Gateway HTTP API
 * v2 events (signed like Meta signs them) into modules/whatsapp/dist/ingress.mjs, SQS events
 * (received from fauxqs by the real SDK) into worker.mjs, the real AgentCore SDK client against the
 * fake data plane, replies to the fake Graph API, and the send ledger on (DynamoDB = dynalite).
 */
import { describe, expect, spyOn, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import type { ServerMessage } from "whatsapp-api-js/types";
import { agentReply, FAKE_AGENT_RUNTIME_ARN } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type IngressHandler, lambdaContext, pollSqsOnce } from "../emulators/lambda.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  graphErrors,
  metaJson,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
  whatsappStatus,
} from "../emulators/whatsapp.ts";
import { loadBundle, runInNode } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { withEnv } from "./harness/env.ts";

const INGRESS = "modules/whatsapp/dist/ingress.mjs";
const VERIFY_TOKEN = "verify-token_0123456789";
const ALLOWED = "16505551234";
const ALLOWED_BSUID = "US.13491208655302741918";
const STRANGER = "4915112345678";
const NOTICE = "Sorry, I could not answer that. Please try again later.";

const {
  stack,
  platform: wa,
  ingress,
  worker,
  work,
  depth,
} = await useChannelE2E({
  channel: "whatsapp",
  secret: {
    access_token: DEFAULT_WHATSAPP_TOKEN,
    app_secret: DEFAULT_APP_SECRET,
    verify_token: VERIFY_TOKEN,
    phone_number_id: DEFAULT_PHONE_NUMBER_ID,
  },
  platform: () => startWhatsApp(),
  ledger: "whatsapp-ledger",
  env: (platform) => ({
    ALLOWED_USERS: `${ALLOWED},${ALLOWED_BSUID}`,
    WHATSAPP_API_URL: platform.url,
    WHATSAPP_APP_ID: undefined,
  }),
});
// Meta's callback check during a subscription reaches the ingress like a real GET would.
wa.setVerifier(async (url, query) => {
  const response = await ingress(httpApiEvent({ method: "GET", path: new URL(url).pathname, query }));
  return { status: response.statusCode, body: response.body };
});

/** POSTs raw bytes to the ingress, signed with the app secret unless headers say otherwise. */
function post(
  raw: string | Uint8Array,
  headers: Record<string, string> = deliveryHeaders(raw),
  base64 = false,
) {
  return ingress(
    httpApiEvent({ method: "POST", path: "/whatsapp", headers, body: raw, isBase64Encoded: base64 }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
}

/** Delivers messages the way Meta does: one signed delivery, JSON escaped like Meta escapes it. */
function deliver(...messages: ServerMessage[]) {
  return post(metaJson(whatsappDelivery({ messages })));
}

const text = (body: string, from: string | null = ALLOWED) => whatsappMessage({ text: body, from });

/** The GET Meta sends when the callback URL is set. */
function handshake(query: Record<string, string>) {
  return ingress(httpApiEvent({ method: "GET", path: "/whatsapp", query }));
}

describe("a message travels", () => {
  test("signed delivery → SQS → worker → AgentCore → read + typing, then a reply in context", async () => {
    const message = text("hello agent");
    const response = await deliver(message);
    expect([response.statusCode, response.body]).toEqual([200, "ok"]);
    expect(await depth()).toBe(1);

    await work();
    const [call] = stack.agentcore.invocations();
    expect(call?.arn).toBe(FAKE_AGENT_RUNTIME_ARN);
    expect(call?.sessionId).toMatch(/^whatsapp-[0-9a-f]{64}$/);
    expect(call?.payload).toMatchObject({
      prompt: "hello agent",
      channel: "whatsapp",
      conversation: ALLOWED,
      user: { id: ALLOWED, name: "Ada Lovelace" },
      messageId: message.id,
    });
    const [read] = wa.callsOf("read");
    expect(read?.params).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: message.id,
      typing_indicator: { type: "text" },
    });
    expect(read?.path).toBe(`${DEFAULT_PHONE_NUMBER_ID}/messages`);
    expect(wa.messages).toEqual([
      expect.objectContaining({ to: ALLOWED, body: "echo: hello agent", replyTo: message.id }),
    ]);
    expect(wa.callsOf("send")[0]?.params).toMatchObject({ recipient_type: "individual", type: "text" });
    expect(wa.callsOf("read")[0]?.at).toBeLessThanOrEqual(wa.callsOf("send")[0]?.at ?? 0);
    expect(stack.secrets.callCount()).toBeLessThanOrEqual(2); // once per container: ingress + worker
  });

  test("the signature is checked over the raw bytes: Meta's escaped JSON, and base64 bodies", async () => {
    const raw = metaJson(whatsappDelivery({ messages: [text("über / ✓")] }));
    expect(raw).toContain("\\u00fcber \\/ \\u2713");
    expect((await post(new TextEncoder().encode(raw), deliveryHeaders(raw), true)).statusCode).toBe(200);
    await work();
    expect(wa.sent(ALLOWED)).toEqual(["echo: über / ✓"]);
  });

  test("several messages in one delivery: queued together, answered in order", async () => {
    const response = await deliver(text("one"), text("two"), text("three", STRANGER));
    expect(response.statusCode).toBe(200);
    expect(await depth()).toBe(3);
    await work();
    expect(wa.sent(ALLOWED)).toEqual(["echo: one", "echo: two"]);
    expect(wa.sent(STRANGER)).toEqual(["Sorry, you are not allowed to use this bot."]);
    const sessions = stack.agentcore.invocations().map((c) => c.sessionId);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toBe(sessions[1]);
  });

  test("Markdown answers arrive in WhatsApp formatting; long ones split at 4096, the first quoting", async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(agentReply.json({ response: `**Bold** and _it_ [docs](https://x.y)\n\n${long}` }));
    const message = text("long please");
    await deliver(message);
    await work();
    const sent = wa.messages;
    expect(sent.length).toBeGreaterThan(1);
    expect(sent[0]?.body).toStartWith("*Bold* and _it_ docs (https://x.y)");
    for (const m of sent) expect(m.body.length).toBeLessThanOrEqual(4096);
    expect(sent.map((m) => m.replyTo)).toEqual([message.id, ...sent.slice(1).map(() => undefined)]);
  });

  test("a user whose number is hidden (username) is answered by BSUID", async () => {
    await deliver(text("who am i", null));
    await work();
    expect(stack.agentcore.invocations()[0]?.payload).toMatchObject({ user: { id: ALLOWED_BSUID } });
    expect(wa.callsOf("send")[0]?.params).toMatchObject({ recipient: ALLOWED_BSUID });
    expect(wa.callsOf("send")[0]?.params).not.toHaveProperty("to");
    expect(wa.sent(ALLOWED_BSUID)).toEqual(["echo: who am i"]);
  });

  test("media: the caption is the prompt, the media id and type go to the agent", async () => {
    await deliver(
      whatsappMessage({
        from: ALLOWED,
        message: {
          type: "image",
          image: { id: "1234567890", mime_type: "image/jpeg", sha256: "x", caption: "what is this?" },
        },
      }),
    );
    await work();
    expect(stack.agentcore.invocations()[0]?.payload).toMatchObject({
      prompt: "what is this?",
      attachments: [{ kind: "image", id: "1234567890", mime: "image/jpeg" }],
    });
  });
});

describe("commands and the allowlist", () => {
  test("/help answers without the agent; /new stops the session", async () => {
    await deliver(text("/help"), text("/new"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(0);
    expect(stack.agentcore.stoppedSessions).toEqual([expect.stringMatching(/^whatsapp-/)]);
    const [help, fresh] = wa.sent(ALLOWED);
    expect(help).toContain("/new");
    expect(fresh).toBe("Started a new conversation.");
  });

  test("a stranger gets one refusal, never reaches the agent, and is not shown typing", async () => {
    await deliver(text("let me in", STRANGER));
    await work();
    expect(stack.agentcore.calls).toHaveLength(0);
    expect(wa.callsOf("read")).toHaveLength(0);
    expect(wa.sent(STRANGER)).toEqual(["Sorry, you are not allowed to use this bot."]);
  });
});

describe("bad input gets a clear answer and queues nothing", () => {
  test("GET handshake: the challenge echoed as text/plain; wrong token → 403; missing or wrong params → 400", async () => {
    const ok = await handshake({
      "hub.mode": "subscribe",
      "hub.verify_token": VERIFY_TOKEN,
      "hub.challenge": "1158201444",
    });
    expect([ok.statusCode, ok.body, ok.headers?.["content-type"]]).toEqual([
      200,
      "1158201444",
      expect.stringContaining("text/plain"),
    ]);
    const wrong = await handshake({
      "hub.mode": "subscribe",
      "hub.verify_token": `${VERIFY_TOKEN}x`,
      "hub.challenge": "1",
    });
    const missing = await handshake({ "hub.mode": "subscribe", "hub.challenge": "1" });
    const mode = await handshake({
      "hub.mode": "unsubscribe",
      "hub.verify_token": VERIFY_TOKEN,
      "hub.challenge": "1",
    });
    expect([wrong.statusCode, missing.statusCode, mode.statusCode]).toEqual([403, 400, 400]);
    expect(missing.body).toBe("missing hub.mode, hub.verify_token or hub.challenge");
    expect(wrong.body).not.toContain(VERIFY_TOKEN);
  });

  test("missing, wrong or foreign signature → 401", async () => {
    const raw = metaJson(whatsappDelivery({ messages: [text("x")] }));
    const { "x-hub-signature-256": _, ...unsigned } = deliveryHeaders(raw);
    const results = await Promise.all([
      post(raw, unsigned),
      post(raw, { ...unsigned, "x-hub-signature-256": "sha256=00" }),
      post(raw, deliveryHeaders(raw, "another-app-secret-0123456789ab")),
      post(raw.replace("x", "y"), deliveryHeaders(raw)),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    expect(await depth()).toBe(0);
  });

  test("signed but malformed JSON, or JSON that is not a delivery → 400 with a short reason", async () => {
    const notJson = await post("{not json");
    const notDelivery = await post(JSON.stringify({ object: "page", entry: [] }));
    const badMessage = await post(
      JSON.stringify({
        object: "whatsapp_business_account",
        entry: [
          { changes: [{ field: "messages", value: { metadata: { phone_number_id: "1" }, messages: [{}] } }] },
        ],
      }),
    );
    const notUtf8 = await post(
      new Uint8Array([0x7b, 0xff, 0x7d]),
      deliveryHeaders(new Uint8Array([0x7b, 0xff, 0x7d])),
      true,
    );
    expect([notJson.statusCode, notDelivery.statusCode, badMessage.statusCode, notUtf8.statusCode]).toEqual([
      400, 400, 400, 400,
    ]);
    expect([notJson.body, notDelivery.body, badMessage.body, notUtf8.body]).toEqual([
      "body is not JSON",
      "not a WhatsApp delivery: bad object",
      "not a WhatsApp delivery: bad entry.0.changes.0.value.messages.0.id",
      "body is not UTF-8",
    ]);
    expect(await depth()).toBe(0);
  });

  test("a delivery with only statuses → 200, nothing queued", async () => {
    const raw = metaJson(
      whatsappDelivery({
        statuses: [
          whatsappStatus("sent"),
          whatsappStatus("delivered"),
          whatsappStatus("failed", { error: { code: 131026, title: "Message undeliverable" } }),
        ],
      }),
    );
    expect((await post(raw)).statusCode).toBe(200);
    expect(await depth()).toBe(0);
  });

  test("messages for another phone number, reactions and stale messages → 200, nothing queued", async () => {
    const other = metaJson(whatsappDelivery({ messages: [text("x")], phoneNumberId: "999999" }));
    expect((await post(other)).statusCode).toBe(200);
    const reaction = whatsappMessage({
      message: { type: "reaction", reaction: { message_id: "wamid.x", emoji: "👍" } },
    });
    const stale = whatsappMessage({
      text: "yesterday",
      timestamp: Math.floor(Date.now() / 1000) - 25 * 3600,
    });
    expect((await deliver(reaction, stale)).statusCode).toBe(200);
    expect(await depth()).toBe(0);
  });

  test("a body over 1 MiB → 413; another route or method → 404", async () => {
    const big = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [],
      pad: "x".repeat(1024 * 1024),
    });
    expect((await post(big)).statusCode).toBe(413);
    expect((await ingress(httpApiEvent({ method: "PUT", path: "/whatsapp" }))).statusCode).toBe(404);
    expect((await ingress(httpApiEvent({ method: "POST", path: "/telegram" }))).statusCode).toBe(404);
    expect(await depth()).toBe(0);
  });
});

describe("nothing lost, nothing twice", () => {
  test("the same wamid delivered again (alone or with others) → one agent call, one reply", async () => {
    const message = text("only once");
    expect((await deliver(message)).statusCode).toBe(200);
    expect((await deliver(message)).statusCode).toBe(200);
    expect((await deliver(message, text("and this"))).statusCode).toBe(200);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(2);
    expect(wa.sent(ALLOWED)).toEqual(["echo: only once", "echo: and this"]);
  });

  test("SQS unavailable → 503, never 200", async () => {
    // Port 9 (discard) has no listener on loopback: SendMessage cannot connect.
    await withEnv(
      {
        AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
        QUEUE_URL: "http://127.0.0.1:9/000000000000/whatsapp.fifo",
      },
      async () => {
        const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
        const raw = metaJson(whatsappDelivery({ messages: [text("lost?"), text("lost too?")] }));
        const response = await isolated(
          httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw }),
        );
        expect(response.statusCode).toBe(503);
      },
    );
  });

  test("outside the 24-hour window (131047): logged clearly, not retried, nothing in the DLQ", async () => {
    wa.script("send", graphErrors.reEngagement(), { times: 5 });
    const logs: string[] = [];
    const spy = spyOn(console, "warn").mockImplementation((line: unknown) => void logs.push(String(line)));
    try {
      await withEnv({ LOG_LEVEL: "warn" }, async () => {
        await deliver(text("too late"));
        const result = await work();
        expect(result.polls[0]?.failed).toEqual([]);
      });
    } finally {
      spy.mockRestore();
    }
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(wa.callsOf("send")).toHaveLength(1); // no notice either: WhatsApp refuses this user for now
    expect(await stack.sqs.depth(stack.queue.dlqUrl)).toMatchObject({ visible: 0 });
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.event === "message.undeliverable");
    expect(line).toMatchObject({
      level: "warn",
      platform: "whatsapp",
      method: "send",
      code: 131047,
      retryable: false,
    });
    expect(line.reason).toContain("Re-engagement message");
    expect(logs.join("\n")).not.toContain(DEFAULT_WHATSAPP_TOKEN);
  });

  test("rate limited (130429) → retried through SQS, then answered once", async () => {
    wa.script("send", graphErrors.rateLimited());
    await deliver(text("busy?"));
    await work();
    expect(wa.callsOf("send")).toHaveLength(2);
    expect(wa.sent(ALLOWED)).toEqual(["echo: busy?"]);
  });

  test("HTTP 429 with Retry-After → waits, then sends in the same attempt", async () => {
    wa.script("send", { ...graphErrors.throttled(4), status: 429, headers: { "retry-after": "1" } });
    await deliver(text("slow down"));
    const started = Date.now();
    await work();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(wa.sent(ALLOWED)).toEqual(["echo: slow down"]);
  });

  test("a revoked access token (190): every attempt fails, the message waits in the DLQ", async () => {
    wa.script("*", graphErrors.invalidToken(), { times: Number.POSITIVE_INFINITY });
    await deliver(text("kept"));
    await work();
    await work(); // the next receive redrives it
    const dead = await stack.sqs.receiveAll(stack.queue.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? "{}")).toMatchObject({ channel: "whatsapp", text: "kept" });
    expect(wa.messages).toEqual([]);
  });

  test("redelivered after the reply went out (the function died before SQS heard back): no second reply", async () => {
    await deliver(text("once, please"));
    const first = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
      await worker(event, lambdaContext({ timeoutMs: 30_000 }));
      throw new Error("Task timed out after 30.00 seconds");
    });
    expect(first.failed).toHaveLength(1);
    await work();
    expect(wa.sent(ALLOWED)).toEqual(["echo: once, please"]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
  });

  test("a reply cut short by a Graph error resumes with the missing parts; the agent is asked once", async () => {
    const long = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}. ${"lorem ipsum ".repeat(330)}`).join(
      "\n\n",
    );
    stack.agentcore.script(agentReply.json({ response: long }));
    let sends = 0;
    wa.script("send", graphErrors.serverError(500), { when: () => ++sends === 2 });
    const message = text("long answer");
    await deliver(message);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    const sent = wa.messages;
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent.map((m) => m.body)).size).toBe(sent.length); // nothing twice
    expect(sent[0]?.body).toStartWith("Part 1.");
    expect(sent.at(-1)?.body).toContain("Part 3.");
    expect(sent.filter((m) => m.replyTo === message.id)).toHaveLength(1);
  });

  test("an agent that refuses for good → one notice in WhatsApp, not retried", async () => {
    stack.agentcore.script(agentReply.error("AccessDeniedException"));
    await deliver(text("forbidden"));
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(wa.sent(ALLOWED)).toEqual([NOTICE]);
  });
});

describe("setup action (run by the module during apply)", () => {
  test("without an app id: checks the access token and phone number, registers nothing", async () => {
    const result = await worker({
      action: "setup",
      url: "https://abc.execute-api.us-east-1.amazonaws.com/whatsapp",
    });
    expect(result).toMatchObject({ action: "setup", phoneNumber: "+1 555-078-3881 (Relay Test Number)" });
    expect(wa.callsOf("phone_number")[0]?.token).toBe(DEFAULT_WHATSAPP_TOKEN);
    expect(wa.callsOf("subscribe")).toHaveLength(0);
  });

  test("with WHATSAPP_APP_ID: subscribes the app's webhook (Meta checks the callback first); delete unsubscribes", async () => {
    const url = "https://abc.execute-api.us-east-1.amazonaws.com/whatsapp";
    await withEnv({ WHATSAPP_APP_ID: wa.appId }, async () => {
      const result = await worker({ action: "setup", url, revision: "r1" });
      expect(result).toMatchObject({ action: "setup", url, webhook: "subscribed", fields: ["messages"] });
      const serialized = JSON.stringify(result);
      for (const secret of [VERIFY_TOKEN, DEFAULT_APP_SECRET, DEFAULT_WHATSAPP_TOKEN])
        expect(serialized).not.toContain(secret);
      expect(wa.subscription).toEqual({ callbackUrl: url, verifyToken: VERIFY_TOKEN, fields: ["messages"] });
      expect(wa.callsOf("subscribe")[0]?.token).toBe(`${wa.appId}|${DEFAULT_APP_SECRET}`);

      await worker({ action: "setup", url, tf: { action: "delete", prev_input: { action: "setup", url } } });
      expect(wa.subscription).toBeUndefined();
    });
  });

  test("a callback URL API Gateway does not serve yet fails Meta's check: the subscription is tried again", async () => {
    const url = "https://abc.execute-api.us-east-1.amazonaws.com/whatsapp";
    let checks = 0;
    wa.setVerifier(async (callback, query) => {
      if (++checks === 1) return { status: 404, body: '{"message":"Not Found"}' };
      const response = await ingress(
        httpApiEvent({ method: "GET", path: new URL(callback).pathname, query }),
      );
      return { status: response.statusCode, body: response.body };
    });
    await withEnv({ WHATSAPP_APP_ID: wa.appId }, async () => {
      const result = await worker({ action: "setup", url, revision: "r1" });
      expect(result).toMatchObject({ webhook: "subscribed" });
      expect(checks).toBe(2);
      expect(wa.subscription?.callbackUrl).toBe(url);
    });
  });

  test("a wrong access token fails the apply; one that may only send gets a warning", async () => {
    const url = "https://abc.execute-api.us-east-1.amazonaws.com/whatsapp";
    wa.script("phone_number", graphErrors.invalidToken());
    await expect(worker({ action: "setup", url })).rejects.toThrow(/190/);
    wa.script("phone_number", {
      status: 403,
      body: { error: { message: "(#10) Permission denied", code: 10 } },
    });
    expect(await worker({ action: "setup", url })).toMatchObject({ phoneNumber: null });
  });
});

test("the bundles run under Node (the Lambda runtime), not only Bun, and the ingress never loads Node's fetch", async () => {
  const raw = metaJson(whatsappDelivery({ messages: [text("from node")] }));
  const event = httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw });
  const { result, loaded } = await runInNode<APIGatewayProxyResult>(
    INGRESS,
    event,
    stack.env({ LOG_LEVEL: "error" }),
  );
  expect(result.statusCode).toBe(200);
  // The light web classes (handlers/core/web.ts): Node's fetch stays unloaded, a cold start's largest cost.
  expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  await work();
  expect(wa.sent(ALLOWED)).toEqual(["echo: from node"]);
});
