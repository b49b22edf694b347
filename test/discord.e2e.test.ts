/**
 * Discord end to end, through the built bundles as Lambda runs them: signed interactions as API
 * Gateway HTTP API v2 events into modules/discord/dist/ingress.mjs, SQS events (received from fauxqs
 * by the real SDK) into worker.mjs, the real AgentCore SDK client against the fake data plane,
 * replies to the fake Discord REST API — which, like Discord, checks the endpoint through the same
 * ingress bundle when the setup action registers it.
 */
import { describe, expect, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import { agentReply, FAKE_AGENT_RUNTIME_ARN } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { discordErrors, startDiscord } from "../emulators/discord.ts";
import {
  type CommandInput,
  commandInteraction,
  pingInteraction,
  type Signing,
  signedHeaders,
  unixSeconds,
} from "../emulators/discord-interactions.ts";
import { type IngressHandler, lambdaContext } from "../emulators/lambda.ts";
import { loadBundle, runInNode } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const INGRESS = "modules/discord/dist/ingress.mjs";
const ROUTE = "/discord/interactions";
const ENDPOINT = `https://abc123def4.execute-api.us-east-1.amazonaws.com${ROUTE}`;
const ALLOWED = "100000000000000001";
const STRANGER = "100000000000000002";
const CHANNEL = "300000000000000001";
const FORBIDDEN = "399999999999999999";

const {
  stack,
  platform: discord,
  ingress,
  worker,
  work,
  pollOnce,
  depth,
} = await useChannelE2E({
  channel: "discord",
  platform: () =>
    startDiscord({
      forbiddenChannels: [FORBIDDEN],
      // Discord reaches the endpoint through API Gateway: here, the ingress bundle itself.
      transport: async (url, request) => {
        const response = await post(request.headers, request.body, ingress);
        expect(new URL(url).pathname).toBe(ROUTE);
        return { status: response.statusCode, body: response.body };
      },
    }),
  secret: (platform) => ({
    application_id: platform.applicationId,
    public_key: platform.signer.publicKeyHex,
    bot_token: platform.botToken,
  }),
  // The send ledger is on, as the module deploys it.
  ledger: "discord-ledger",
  env: (platform) => ({
    ALLOWED_USERS: ALLOWED,
    DISCORD_API_URL: platform.url,
    DISCORD_PUBLIC_KEY: platform.signer.publicKeyHex,
  }),
});

/** The ingress as API Gateway calls it: a POST of raw bytes (optionally base64) with the given headers. */
function post(
  headers: Record<string, string>,
  body: string,
  handler: IngressHandler = ingress,
  base64 = false,
): Promise<APIGatewayProxyResult> {
  return handler(
    httpApiEvent({ method: "POST", path: ROUTE, headers, body, isBase64Encoded: base64 }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
}

/** A delivery signed with the app's key (or not, as asked), straight to the ingress. */
async function send(
  body: object | string,
  options: { signing?: Signing; timestamp?: string; base64?: boolean } = {},
) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return post(await signedHeaders(discord.signer, raw, options), raw, ingress, options.base64);
}

/** A slash command delivered by the fake Discord, which then holds its deferred response. */
async function ask(input: Partial<CommandInput> = {}) {
  const interaction = commandInteraction({
    applicationId: discord.applicationId,
    name: "ask",
    prompt: "hello agent",
    userId: ALLOWED,
    channelId: CHANNEL,
    ...input,
  });
  const response = await discord.deliver(interaction, { url: ENDPOINT });
  return { interaction, response };
}

describe("a slash command travels", () => {
  test("/ask → deferred at once → SQS → worker → AgentCore → the deferred response is edited", async () => {
    const { interaction, response } = await ask();
    expect(response).toMatchObject({ status: 200, json: { type: 5 } });
    expect(await depth()).toBe(1);

    await work();
    const [call] = stack.agentcore.invocations();
    expect(call?.arn).toBe(FAKE_AGENT_RUNTIME_ARN);
    expect(call?.sessionId).toMatch(/^discord-[0-9a-f]{64}$/);
    expect(call?.payload).toMatchObject({ prompt: "hello agent", channel: "discord", user: { id: ALLOWED } });
    expect(discord.original(interaction.id)).toMatchObject({ deferred: false, content: "echo: hello agent" });
    expect(discord.calls.map((c) => c.route)).toEqual([
      "PATCH /webhooks/{application}/{token}/messages/@original",
    ]);
    expect(discord.calls[0]?.body).toMatchObject({ allowed_mentions: { parse: [] } });
    // DISCORD_PUBLIC_KEY is set: the ingress never reads the secret; the worker reads it once.
    expect(stack.secrets.callCount()).toBe(1);
  });

  test("PING → PONG, nothing queued", async () => {
    const response = await send(pingInteraction(discord.applicationId));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual({ type: 1 });
    expect(await depth()).toBe(0);
  });

  test("base64-encoded bodies are verified as the bytes Discord signed", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "über ✓",
      userId: ALLOWED,
    });
    const response = await send(interaction, { base64: true });
    expect(JSON.parse(response.body)).toEqual({ type: 5 });
    expect(await depth()).toBe(1);
  });

  test("long Markdown answers: Discord Markdown, 2000 at most, follow-ups after the first", async () => {
    const long = Array.from({ length: 80 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(agentReply.json({ response: `**Bold** <@${STRANGER}> @everyone\n\n${long}` }));
    const { interaction } = await ask();
    await work();
    const sent = discord.sent(CHANNEL);
    expect(sent.length).toBeGreaterThan(1);
    for (const content of sent) expect(content.length).toBeLessThanOrEqual(2000);
    expect(discord.original(interaction.id)?.content).toStartWith(`**Bold** \\<@${STRANGER}\\> @everyone`);
    for (const c of discord.calls) expect(c.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  test("/new stops the session; a stranger is refused without the agent", async () => {
    const fresh = await ask({ name: "new", prompt: undefined });
    const stranger = await ask({ userId: STRANGER, prompt: "let me in" });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(0);
    expect(stack.agentcore.stoppedSessions).toHaveLength(1);
    expect(discord.original(fresh.interaction.id)?.content).toBe("Started a new conversation.");
    expect(discord.original(stranger.interaction.id)?.content).toBe(
      "Sorry, you are not allowed to use this bot.",
    );
  });

  test("an unknown command or an empty prompt: an ephemeral notice at once, nothing queued", async () => {
    const unknown = await ask({ name: "help", prompt: undefined });
    const empty = await ask({ prompt: "   " });
    expect(unknown.response.json).toEqual({
      type: 4,
      data: { content: "This command is not known here: use /ask or /new.", flags: 64 },
    });
    expect(empty.response.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(await depth()).toBe(0);
  });
});

describe("bad input gets a clear answer and queues nothing", () => {
  test("wrong key, tampered body or no signature → 401", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "x",
    });
    for (const signing of ["wrong-key", "tampered", "none"] as const) {
      expect((await send(interaction, { signing })).statusCode).toBe(401);
    }
    expect((await send(pingInteraction(discord.applicationId), { signing: "wrong-key" })).statusCode).toBe(
      401,
    );
    expect(await depth()).toBe(0);
  });

  test("a stale or future timestamp, correctly signed → 401 (replay window)", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "x",
    });
    for (const offset of [-10 * 60_000, 10 * 60_000]) {
      const response = await send(interaction, { timestamp: unixSeconds(Date.now() + offset) });
      expect(response.statusCode).toBe(401);
    }
    expect((await send(interaction, { timestamp: "yesterday" })).statusCode).toBe(401);
    expect(await depth()).toBe(0);
  });

  test("signed but malformed JSON, or not an interaction we take → 400", async () => {
    const ask = commandInteraction({ applicationId: discord.applicationId, name: "ask", prompt: "x" });
    const notJson = await send("{not json");
    const component = await send({ ...ask, type: 3 });
    const unknownType = await send({ ...ask, type: 42 });
    const noChannel = await send({ ...ask, channel_id: undefined, channel: undefined });
    expect([notJson.statusCode, component.statusCode, unknownType.statusCode, noChannel.statusCode]).toEqual([
      400, 400, 400, 400,
    ]);
    expect(notJson.body).toBe("body is not JSON");
    expect(unknownType.body).toBe("not a Discord interaction: bad type");
    expect(await depth()).toBe(0);
  });

  test("a body over 1 MiB → 413; another route or method → 404", async () => {
    const big = await post({ "content-type": "application/json" }, `{"pad":"${"x".repeat(1024 * 1024)}"}`);
    expect(big.statusCode).toBe(413);
    const get = await ingress(httpApiEvent({ method: "GET", path: ROUTE }));
    expect(get.statusCode).toBe(404);
    expect(await depth()).toBe(0);
  });

  test("a misconfigured DISCORD_PUBLIC_KEY → 500 naming the variable, not a silent 401", async () => {
    const restore = setEnv({ DISCORD_PUBLIC_KEY: "not-hex" });
    try {
      const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
      const raw = JSON.stringify(pingInteraction(discord.applicationId));
      const response = await post(await signedHeaders(discord.signer, raw), raw, isolated);
      expect(response).toMatchObject({ statusCode: 500, body: "misconfigured" });
    } finally {
      restore();
    }
  });
});

describe("nothing lost, nothing twice", () => {
  test("the same interaction delivered twice → one agent call, one reply", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "once",
      userId: ALLOWED,
      channelId: CHANNEL,
    });
    expect((await discord.deliver(interaction, { url: ENDPOINT })).json).toEqual({ type: 5 });
    expect((await discord.deliver(interaction, { url: ENDPOINT })).json).toEqual({ type: 5 });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(discord.sent(CHANNEL)).toEqual(["echo: once"]);
  });

  test("SQS unavailable → 503, so the user sees the command fail instead of waiting forever", async () => {
    const restore = setEnv({
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
      QUEUE_URL: "http://127.0.0.1:9/000000000000/discord.fifo",
    });
    try {
      const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
      const raw = JSON.stringify(
        commandInteraction({ applicationId: discord.applicationId, name: "ask", prompt: "lost?" }),
      );
      expect((await post(await signedHeaders(discord.signer, raw), raw, isolated)).statusCode).toBe(503);
    } finally {
      restore();
    }
  });

  test("agent failures are retried through SQS, then the DLQ and one notice in the deferred response", async () => {
    stack.agentcore.setDefault(() => agentReply.error("InternalServerException"));
    const { interaction } = await ask({ prompt: "doomed" });
    const first = await pollOnce();
    expect(first.failed).toHaveLength(1);
    expect(discord.original(interaction.id)?.deferred).toBe(true);
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(3);
    expect(discord.original(interaction.id)?.content).toBe(
      "Sorry, I could not answer that. Please try again later.",
    );
    await work();
    const dead = await stack.sqs.receiveAll(stack.queue.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? "{}")).toMatchObject({
      text: "doomed",
      reply: { kind: "interaction" },
    });
  });

  test("Discord 429 → waits retry_after, then edits", async () => {
    discord.script(
      "PATCH /webhooks/{application}/{token}/messages/@original",
      discordErrors.rateLimited(0.5),
    );
    const { interaction } = await ask({ prompt: "rate limited" });
    const started = Date.now();
    await work();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(discord.original(interaction.id)?.content).toBe("echo: rate limited");
  });

  test("Discord 5xx on the edit → SQS retry → answered once", async () => {
    discord.script("PATCH /webhooks/{application}/{token}/messages/@original", discordErrors.serverError());
    const { interaction } = await ask({ prompt: "flaky" });
    await work();
    expect(discord.callsOf("PATCH /webhooks/{application}/{token}/messages/@original")).toHaveLength(2);
    expect(discord.original(interaction.id)?.content).toBe("echo: flaky");
  });

  test("a follow-up failing midway resumes after SQS brings it back: no second edit, no second agent call", async () => {
    const long = Array.from({ length: 80 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");
    stack.agentcore.script(agentReply.json({ response: long }));
    discord.script("POST /webhooks/{application}/{token}", discordErrors.serverError());
    const { interaction } = await ask({ prompt: "long" });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(discord.callsOf("PATCH /webhooks/{application}/{token}/messages/@original")).toHaveLength(1);
    expect(discord.sent(CHANNEL).join("\n\n")).toBe(long.replace(/ +$/gm, ""));
    expect(discord.original(interaction.id)?.content).toStartWith("Paragraph 0:");
  });

  test("a token past 14 minutes: answered in the channel with the bot token", async () => {
    // Discord made the interaction 14.5 minutes ago (its id says so); the delivery itself is fresh.
    const { interaction } = await ask({ prompt: "slow queue", at: Date.now() - 14.5 * 60_000 });
    await work();
    expect(discord.calls.map((c) => c.route)).toEqual(["POST /channels/{channel}/messages"]);
    expect(discord.sent(CHANNEL)).toEqual(["", "echo: slow queue"]);
    expect(discord.original(interaction.id)?.deferred).toBe(true);
  });

  test("a token Discord refuses, and a channel the bot cannot write to: undeliverable, not retried", async () => {
    const { interaction } = await ask({ prompt: "nowhere", channelId: FORBIDDEN });
    discord.expire(interaction.id);
    const result = await work();
    expect(result.polls[0]?.failed).toEqual([]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(discord.calls.map((c) => c.response?.status)).toEqual([404, 403]);
    expect(await depth()).toBe(0);
    expect((await stack.sqs.depth(stack.queue.dlqUrl)).visible).toBe(0);
  });
});

describe("messages relayed from the gateway (reply.kind = message)", () => {
  test("an envelope put straight on the queue is answered in the channel as a reply, with typing", async () => {
    const envelope = {
      v: 1,
      channel: "discord",
      eventId: "1300000000000000042",
      conversation: CHANNEL,
      user: { id: ALLOWED, name: "Ada" },
      text: "from the gateway",
      attachments: [],
      reply: {
        kind: "message",
        channelId: CHANNEL,
        messageId: "1300000000000000042",
        guildId: "200000000000000001",
      },
      receivedAt: Date.now(),
    };
    await stack.sqs.send(stack.queue.queueUrl, JSON.stringify(envelope), {
      groupId: `discord:${CHANNEL}`,
      dedupId: `discord:${envelope.eventId}`,
    });
    await work();
    expect(stack.agentcore.invocations()[0]?.payload).toMatchObject({ prompt: "from the gateway" });
    expect(discord.callsOf("POST /channels/{channel}/typing").length).toBeGreaterThanOrEqual(1);
    const [reply] = discord.callsOf("POST /channels/{channel}/messages");
    expect(reply?.params.channel).toBe(CHANNEL);
    expect(reply?.body).toMatchObject({
      content: "echo: from the gateway",
      allowed_mentions: { parse: [], replied_user: false },
      message_reference: { message_id: "1300000000000000042", fail_if_not_exists: false },
    });
  });
});

describe("setup action (run by the module during apply)", () => {
  test("registers /ask, /new and the admins' commands, then the endpoint, which Discord checks through the ingress", async () => {
    const result = await worker({ action: "setup", url: ENDPOINT, revision: "r1" });
    expect(result).toEqual({
      action: "setup",
      url: ENDPOINT,
      applicationId: discord.applicationId,
      commands: ["ask", "new", "allow", "deny", "users", "revoke"],
      interactionsEndpointUrl: ENDPOINT,
    });
    expect(JSON.stringify(result)).not.toContain(discord.botToken);
    expect(discord.interactionsEndpointUrl).toBe(ENDPOINT);
    expect(discord.commands.find((c) => c.name === "ask")?.options).toEqual([
      { type: 3, name: "prompt", description: "What to ask", required: true },
      { type: 11, name: "file", description: "A file for the agent to read", required: false },
    ]);

    await worker({
      action: "setup",
      url: ENDPOINT,
      tf: { action: "delete", prev_input: { action: "setup", url: ENDPOINT } },
    });
    expect(discord.interactionsEndpointUrl).toBeNull();
    expect(discord.commands).toEqual([]);
  });

  test("without DISCORD_PUBLIC_KEY the ingress verifies with the key from the secret", async () => {
    const restore = setEnv({ DISCORD_PUBLIC_KEY: undefined });
    try {
      const isolated = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
      const raw = JSON.stringify(pingInteraction(discord.applicationId));
      expect(JSON.parse((await post(await signedHeaders(discord.signer, raw), raw, isolated)).body)).toEqual({
        type: 1,
      });
      expect(
        (await post(await signedHeaders(discord.signer, raw, { signing: "wrong-key" }), raw, isolated))
          .statusCode,
      ).toBe(401);
      expect(stack.secrets.callCount()).toBe(1);
    } finally {
      restore();
    }
  });
});

test("the ingress bundle runs under Node (the Lambda runtime), not only Bun, and never loads Node's fetch", async () => {
  const raw = JSON.stringify(
    commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "from node",
      userId: ALLOWED,
    }),
  );
  const event = httpApiEvent({
    method: "POST",
    path: ROUTE,
    headers: await signedHeaders(discord.signer, raw),
    body: raw,
  });
  const { result, loaded } = await runInNode<APIGatewayProxyResult>(
    INGRESS,
    event,
    stack.env({
      LOG_LEVEL: "error",
      DISCORD_PUBLIC_KEY: discord.signer.publicKeyHex,
    }),
  );
  expect(result.statusCode).toBe(200);
  // The light web classes (handlers/core/web.ts): Node's fetch stays unloaded, a cold start's largest cost.
  expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  expect(JSON.parse(result.body)).toEqual({ type: 5 });
  expect(await depth()).toBe(1);
});
