import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { importPublicKey, verifyRequest } from "../handlers/discord/verify.ts";
import { discordErrors, type FakeDiscord, type InteractionTransport, startDiscord } from "./discord.ts";
import { commandInteraction, snowflake } from "./discord-interactions.ts";

/** An endpoint that answers as a correct app would: 401 on a bad signature, PONG, deferred for commands. */
let discord: FakeDiscord;
const endpoint: InteractionTransport = async (_url, request) => {
  const key = () => importPublicKey(discord.signer.publicKeyHex);
  const body = new TextEncoder().encode(request.body);
  const problem = await verifyRequest(
    key,
    request.headers["x-signature-ed25519"],
    request.headers["x-signature-timestamp"],
    body,
  );
  if (problem) return { status: 401, body: "invalid request signature" };
  const { type } = JSON.parse(request.body) as { type: number };
  return { status: 200, body: JSON.stringify({ type: type === 1 ? 1 : 5 }) };
};
discord = await startDiscord({ transport: endpoint, forbiddenChannels: ["399999999999999999"] });
afterAll(() => discord.close());
beforeEach(() => discord.reset());

const bot = { authorization: `Bot ${discord.botToken}`, "content-type": "application/json" };
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = bot) {
  const res = await fetch(discord.url + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: res.headers,
  };
}

describe("fake Discord", () => {
  test("bot routes want the bot token; errors come as { message, code }", async () => {
    expect(await call("POST", "/channels/300000000000000001/messages", { content: "x" }, {})).toMatchObject({
      status: 401,
      json: { message: "401: Unauthorized", code: 0 },
    });
    const sent = await call("POST", "/channels/300000000000000001/messages", { content: "hi" });
    expect(sent).toMatchObject({ status: 200, json: { channel_id: "300000000000000001", content: "hi" } });
    expect(discord.sent("300000000000000001")).toEqual(["hi"]);
    expect((await call("POST", "/channels/300000000000000001/typing")).status).toBe(204);
    expect((await call("POST", "/channels/399999999999999999/messages", { content: "x" })).json).toEqual({
      message: "Missing Access",
      code: 50001,
    });
  });

  test("content rules: not empty, at most 2000 characters", async () => {
    expect((await call("POST", "/channels/300000000000000001/messages", { content: "" })).json).toMatchObject(
      { code: 50006 },
    );
    const long = await call("POST", "/channels/300000000000000001/messages", { content: "x".repeat(2001) });
    expect(long.json).toMatchObject({
      code: 50035,
      errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH" }] } },
    });
    expect(
      (await call("POST", "/channels/300000000000000001/messages", { content: "x".repeat(2000) })).status,
    ).toBe(200);
  });

  test("a deferred interaction gets an @original to edit and follow-ups, until its token expires", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "hi",
    });
    const delivered = await discord.deliver(interaction, { url: "https://endpoint.example" });
    expect(delivered).toMatchObject({ status: 200, json: { type: 5 } });
    expect(discord.original(interaction.id)).toMatchObject({ deferred: true, content: "" });
    const hook = `/webhooks/${discord.applicationId}/${interaction.token}`;
    expect((await call("PATCH", `${hook}/messages/@original`, { content: "answer" }, {})).status).toBe(200);
    expect((await call("POST", hook, { content: "more" }, {})).status).toBe(200);
    expect(discord.original(interaction.id)).toMatchObject({ deferred: false, content: "answer" });
    expect(discord.sent(interaction.channel_id)).toEqual(["answer", "more"]);
    discord.expire(interaction.id);
    expect((await call("POST", hook, { content: "late" }, {})).json).toEqual({
      message: "Unknown Webhook",
      code: 10015,
    });
    expect(
      (await call("POST", `/webhooks/${discord.applicationId}/nonsense`, { content: "x" }, {})).status,
    ).toBe(404);
  });

  test("the bot edits and deletes its messages: by webhook while the token lives, by bot token in the channel", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "hi",
    });
    await discord.deliver(interaction, { url: "https://endpoint.example" });
    const hook = `/webhooks/${discord.applicationId}/${interaction.token}`;
    const original = await call("PATCH", `${hook}/messages/@original`, { content: "a" }, {});
    const id = String(original.json?.id);
    expect((await call("PATCH", `${hook}/messages/${id}`, { content: "ab" }, {})).status).toBe(200);
    expect((await call("PATCH", `${hook}/messages/${id}`, { content: "" }, {})).json).toMatchObject({
      code: 50006,
    });
    const channel = `/channels/${interaction.channel_id}/messages`;
    const posted = await call("POST", channel, { content: "x" });
    // A webhook edits its own interaction's messages only.
    expect(
      (await call("PATCH", `${hook}/messages/${posted.json?.id}`, { content: "y" }, {})).json,
    ).toMatchObject({
      code: 10008,
    });
    discord.expire(interaction.id);
    expect((await call("PATCH", `${hook}/messages/${id}`, { content: "abc" }, {})).status).toBe(404);
    expect((await call("PATCH", `${channel}/${id}`, { content: "abc" })).status).toBe(200);
    expect((await call("PATCH", `${channel}/${id}`, { content: "abcd" }, {})).status).toBe(401);
    expect((await call("DELETE", `${channel}/${posted.json?.id}`)).status).toBe(204);
    expect(discord.sent(interaction.channel_id)).toEqual(["abc"]);
    expect(discord.original(interaction.id)?.edits).toBe(2);
  });

  test("per-route buckets per channel: X-RateLimit headers on every answer, 429 with retry_after when empty", async () => {
    const post = (channel: string) => call("POST", `/channels/${channel}/messages`, { content: "x" });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post("300000000000000001"));
    expect(answers.map((a) => a.headers.get("x-ratelimit-remaining"))).toEqual([
      "4",
      "3",
      "2",
      "1",
      "0",
      "0",
    ]);
    expect(answers[0]?.headers.get("x-ratelimit-limit")).toBe("5");
    expect(Number(answers[0]?.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(4);
    const refused = answers[5];
    expect(refused?.status).toBe(429);
    expect(refused?.json).toMatchObject({ message: "You are being rate limited.", global: false });
    expect(Number(refused?.json?.retry_after)).toBeGreaterThan(0);
    expect(refused?.headers.get("x-ratelimit-scope")).toBe("user");
    // Another channel has a bucket of its own.
    expect((await post("300000000000000002")).status).toBe(200);
  });

  test("badly signed deliveries are refused by a correct endpoint and create nothing", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "hi",
    });
    for (const signing of ["wrong-key", "tampered", "none"] as const) {
      expect((await discord.deliver(interaction, { url: "https://e.example", signing })).status).toBe(401);
    }
    expect(discord.messages).toEqual([]);
  });

  test("setting the endpoint URL checks it with a signed PING and a badly signed one", async () => {
    const url = "https://abc.execute-api.us-east-1.amazonaws.com/discord/interactions";
    expect((await call("PATCH", "/applications/@me", { interactions_endpoint_url: url })).status).toBe(200);
    expect(discord.interactionsEndpointUrl).toBe(url);
    const lax = await startDiscord({ transport: async () => ({ status: 200, body: '{"type":1}' }) });
    try {
      const res = await fetch(`${lax.url}/applications/@me`, {
        method: "PATCH",
        headers: { authorization: `Bot ${lax.botToken}`, "content-type": "application/json" },
        body: JSON.stringify({ interactions_endpoint_url: url }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 50035, errors: { interactions_endpoint_url: {} } });
      expect(lax.interactionsEndpointUrl).toBeNull();
    } finally {
      await lax.close();
    }
    await call("PATCH", "/applications/@me", { interactions_endpoint_url: null });
    expect(discord.interactionsEndpointUrl).toBeNull();
  });

  test("bulk overwrite of commands", async () => {
    const put = await call("PUT", `/applications/${discord.applicationId}/commands`, [
      { name: "ask", description: "d", type: 1 },
    ]);
    expect(put.status).toBe(200);
    expect(discord.commands.map((c) => c.name)).toEqual(["ask"]);
    expect(
      (
        await call("PUT", `/applications/${discord.applicationId}/commands`, [
          { name: "Bad Name", description: "d" },
        ])
      ).status,
    ).toBe(400);
    expect((await call("PUT", `/applications/${snowflake()}/commands`, [])).status).toBe(403);
  });

  test("scripted 429s carry retry_after and Retry-After, once", async () => {
    discord.script("POST /channels/{channel}/messages", discordErrors.rateLimited(0.25));
    const limited = await call("POST", "/channels/300000000000000001/messages", { content: "x" });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      message: "You are being rate limited.",
      retry_after: 0.25,
      global: false,
    });
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await call("POST", "/channels/300000000000000001/messages", { content: "x" })).status).toBe(200);
    expect(discord.callsOf("POST /channels/{channel}/messages")).toHaveLength(2);
  });
});

test("a DM channel per user (POST /users/@me/channels), and buttons checked as Discord checks components", async () => {
  const opened = await call("POST", "/users/@me/channels", { recipient_id: "100000000000000042" });
  expect(opened).toMatchObject({ status: 200, json: { type: 1 } });
  const again = await call("POST", "/users/@me/channels", { recipient_id: "100000000000000042" });
  expect(again.json?.id).toBe(opened.json?.id);
  expect(discord.dmChannel("100000000000000042")).toBe(opened.json?.id as string);
  expect((await call("POST", "/users/@me/channels", { recipient_id: "x" })).status).toBe(400);
  const row = (custom_id: string, label = "Allow") => [
    { type: 1, components: [{ type: 2, style: 3, label, custom_id }] },
  ];
  const channel = `/channels/${opened.json?.id}/messages`;
  expect((await call("POST", channel, { content: "ok?", components: row("/allow K7MX2P") })).status).toBe(
    200,
  );
  expect((await call("POST", channel, { content: "ok?", components: row("") })).status).toBe(400);
  expect((await call("POST", channel, { content: "ok?", components: row("x".repeat(101)) })).status).toBe(
    400,
  );
  expect(
    (await call("POST", channel, { content: "ok?", components: [{ type: 1, components: [] }] })).status,
  ).toBe(400);
});
