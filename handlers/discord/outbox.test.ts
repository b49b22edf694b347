import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { discordErrors, type FakeDiscord, startDiscord } from "../../emulators/discord.ts";
import { commandInteraction } from "../../emulators/discord-interactions.ts";
import { noRecord, sendAnswer } from "../core/reply/send.ts";
import { DiscordApiError, discordApi } from "./api.ts";
import { chunkNonce, DISCORD_LIMIT, DISCORD_STREAMING, discordOutbox, TOKEN_USABLE_MS } from "./outbox.ts";
import type { InteractionReply, MessageReply } from "./reply.ts";
import { snowflakeTime } from "./secret.ts";

const CHANNEL = "300000000000000001";
const FORBIDDEN = "399999999999999999";
const discord: FakeDiscord = await startDiscord({
  // The endpoint itself is not under test here: every command is deferred.
  transport: async () => ({ status: 200, body: '{"type":5}' }),
  forbiddenChannels: [FORBIDDEN],
});
afterAll(() => discord.close());
beforeEach(() => discord.reset());

const outbox = (now?: () => number) => discordOutbox(discordApi(discord.botToken, discord.url), now);
const deadline = () => Date.now() + 10_000;

/** A deferred interaction (as the ingress leaves it) and its reply context. */
async function deferred(channelId = CHANNEL): Promise<InteractionReply> {
  const interaction = commandInteraction({
    applicationId: discord.applicationId,
    name: "ask",
    prompt: "q",
    channelId,
  });
  await discord.deliver(interaction, { url: "https://endpoint.example" });
  return {
    kind: "interaction",
    applicationId: discord.applicationId,
    token: interaction.token,
    interactionId: interaction.id,
    channelId,
    issuedAt: snowflakeTime(interaction.id),
  };
}

const message: MessageReply = {
  kind: "message",
  channelId: CHANNEL,
  messageId: "1300000000000000001",
  guildId: "200000000000000001",
};
const long = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(12)}`).join("\n\n");

describe("interaction replies", () => {
  test("the first chunk edits the deferred response, the rest are follow-ups; nobody is pinged", async () => {
    const reply = await deferred();
    await sendAnswer(outbox(), reply, `**Hi** @everyone\n\n${long}`, { deadline: deadline() });
    const original = discord.original(reply.interactionId);
    expect(original?.deferred).toBe(false);
    expect(original?.content).toStartWith("**Hi** @everyone");
    const sent = discord.sent(CHANNEL);
    expect(sent.length).toBeGreaterThan(1);
    for (const content of sent) expect(content.length).toBeLessThanOrEqual(DISCORD_LIMIT);
    expect(discord.calls.map((c) => c.route)).toEqual([
      "PATCH /webhooks/{application}/{token}/messages/@original",
      ...sent.slice(1).map(() => "POST /webhooks/{application}/{token}"),
    ]);
    for (const c of discord.calls)
      expect(c.body).toMatchObject({ allowed_mentions: { parse: [] }, flags: 4 });
  });

  test("a resumed send skips the chunks already delivered and reports each one it sends", async () => {
    const reply = await deferred();
    const counts: number[] = [];
    const record = { ...noRecord, delivered: async (count: number) => void counts.push(count) };
    await sendAnswer(outbox(), reply, long, { deadline: deadline(), record });
    const total = counts.length;
    expect(counts).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    discord.reset();
    const reply2 = await deferred();
    counts.length = 0;
    await sendAnswer(outbox(), reply2, long, { deadline: deadline(), progress: { delivered: 2 }, record });
    expect(counts).toEqual(Array.from({ length: total - 2 }, (_, i) => i + 3));
    expect(discord.calls.every((c) => c.route === "POST /webhooks/{application}/{token}")).toBe(true);
    expect(discord.original(reply2.interactionId)?.deferred).toBe(true);
  });

  test("a worker ahead of Discord getting the deferred response waits for @original to exist", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "q",
      channelId: CHANNEL,
    });
    discord.issue(interaction);
    const reply: InteractionReply = {
      kind: "interaction",
      applicationId: discord.applicationId,
      token: interaction.token,
      interactionId: interaction.id,
      channelId: CHANNEL,
      issuedAt: snowflakeTime(interaction.id),
    };
    const sending = sendAnswer(
      discordOutbox(discordApi(discord.botToken, discord.url), Date.now, [30, 30, 30]),
      reply,
      "fast answer",
      { deadline: deadline() },
    );
    await discord.waitFor((calls) => calls.some((c) => c.response?.status === 404));
    await discord.deliver(interaction, { url: "https://endpoint.example" });
    await sending;
    expect(discord.original(interaction.id)).toMatchObject({ deferred: false, content: "fast answer" });
    expect(discord.callsOf("POST /channels/{channel}/messages")).toEqual([]);
  });

  test("a deferred response that never arrives: after the waits, the answer goes to the channel", async () => {
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "q",
      channelId: CHANNEL,
    });
    discord.issue(interaction);
    const reply: InteractionReply = {
      kind: "interaction",
      applicationId: discord.applicationId,
      token: interaction.token,
      interactionId: interaction.id,
      channelId: CHANNEL,
      issuedAt: snowflakeTime(interaction.id),
    };
    await sendAnswer(
      discordOutbox(discordApi(discord.botToken, discord.url), Date.now, [5, 5]),
      reply,
      "anyway",
      {
        deadline: deadline(),
      },
    );
    expect(discord.calls.map((c) => c.response?.status)).toEqual([404, 404, 404, 200]);
    expect(discord.calls.at(-1)?.route).toBe("POST /channels/{channel}/messages");
    expect(discord.sent(CHANNEL)).toEqual(["anyway"]);
  });

  test("an interaction needs no typing indicator", async () => {
    await outbox().typing(await deferred());
    expect(discord.calls).toEqual([]);
  });

  test("a token past 14 minutes: straight to the channel with the bot token", async () => {
    const reply = await deferred();
    await sendAnswer(
      outbox(() => reply.issuedAt + TOKEN_USABLE_MS + 1),
      reply,
      "late answer",
      {
        deadline: deadline(),
      },
    );
    expect(discord.calls.map((c) => [c.route, c.authorization])).toEqual([
      ["POST /channels/{channel}/messages", `Bot ${discord.botToken}`],
    ]);
    expect(discord.calls[0]?.body).toMatchObject({ content: "late answer", allowed_mentions: { parse: [] } });
  });

  test("a token Discord refuses midway: the remaining chunks go to the channel", async () => {
    const reply = await deferred();
    discord.script("POST /webhooks/{application}/{token}", discordErrors.unknownWebhook());
    await sendAnswer(outbox(), reply, long, { deadline: deadline() });
    const routes = discord.calls.map((c) => c.route);
    expect(routes[0]).toBe("PATCH /webhooks/{application}/{token}/messages/@original");
    expect(routes[1]).toBe("POST /webhooks/{application}/{token}");
    expect(routes.slice(2).every((r) => r === "POST /channels/{channel}/messages")).toBe(true);
    expect(discord.sent(CHANNEL).join("\n\n")).toBe(long.replace(/ +$/gm, ""));
  });

  test("expired and no access to the channel: a PlatformError that a retry cannot fix", async () => {
    const reply = await deferred(FORBIDDEN);
    discord.expire(reply.interactionId);
    const error = await sendAnswer(outbox(), reply, "x", { deadline: deadline() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DiscordApiError);
    expect(error).toMatchObject({ status: 403, retryable: false });
  });

  test("a 429 is waited out when it fits before the deadline", async () => {
    const reply = await deferred();
    discord.script(
      "PATCH /webhooks/{application}/{token}/messages/@original",
      discordErrors.rateLimited(0.2),
    );
    const started = Date.now();
    await sendAnswer(outbox(), reply, "patient", { deadline: deadline() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(discord.original(reply.interactionId)?.content).toBe("patient");
  });

  test("a streamed answer's messages are edited and removed through the webhook while the token lives", async () => {
    const reply = await deferred();
    const box = outbox();
    const first = await box.post(reply, { index: 0, text: "grow", key: "k" });
    const second = await box.post(reply, { index: 1, text: "more", key: "k" });
    expect(first).toBe(discord.original(reply.interactionId)?.id);
    await box.edit?.(reply, first ?? "", { index: 0, text: "growing", key: "k" });
    await box.remove?.(reply, second ?? "");
    expect(discord.sent(CHANNEL)).toEqual(["growing"]);
    expect(discord.calls.map((c) => c.route).slice(2)).toEqual([
      "PATCH /webhooks/{application}/{token}/messages/{message}",
      "DELETE /webhooks/{application}/{token}/messages/{message}",
    ]);
    expect(discord.calls[2]?.body).toMatchObject({ allowed_mentions: { parse: [] }, flags: 4 });
  });

  test("past the token's life, the answer's messages are edited with the bot token in the channel", async () => {
    const reply = await deferred();
    const ref = await outbox().post(reply, { index: 0, text: "early", key: "k" });
    discord.expire(reply.interactionId);
    await outbox(() => reply.issuedAt + TOKEN_USABLE_MS + 1).edit?.(reply, ref ?? "", {
      index: 0,
      text: "late",
      key: "k",
    });
    // Discord refusing the token (not our clock) does the same.
    await outbox().edit?.(reply, ref ?? "", { index: 0, text: "later", key: "k" });
    expect(discord.calls.map((c) => [c.route, c.response?.status])).toEqual([
      ["PATCH /webhooks/{application}/{token}/messages/@original", 200],
      ["PATCH /channels/{channel}/messages/{message}", 200],
      ["PATCH /webhooks/{application}/{token}/messages/{message}", 404],
      ["PATCH /channels/{channel}/messages/{message}", 200],
    ]);
    expect(discord.sent(CHANNEL)).toEqual(["later"]);
  });

  test("a part that went to the channel (webhook gone) is edited there", async () => {
    const reply = await deferred();
    discord.expire(reply.interactionId);
    const ref = await outbox().post(reply, { index: 1, text: "in channel", key: "k" });
    expect(ref).toStartWith("channel/");
    await outbox().edit?.(reply, ref ?? "", { index: 1, text: "edited", key: "k" });
    expect(discord.calls.at(-1)?.route).toBe("PATCH /channels/{channel}/messages/{message}");
    expect(discord.sent(CHANNEL)).toContain("edited");
  });

  test("an answer that renders to nothing still ends the 'thinking…'", async () => {
    const reply = await deferred();
    await sendAnswer(outbox(), reply, "```\n\n```", { deadline: deadline() });
    expect(discord.original(reply.interactionId)?.content).toBe("The agent had no answer.");
  });
});

describe("message replies (relayed from the gateway)", () => {
  test("posted in the channel, the first chunk replying to the user's message without pinging", async () => {
    await sendAnswer(outbox(), message, long, { deadline: deadline() });
    const posts = discord.callsOf("POST /channels/{channel}/messages");
    expect(posts.length).toBeGreaterThan(1);
    expect(posts[0]?.body).toMatchObject({
      allowed_mentions: { parse: [], replied_user: false },
      message_reference: {
        message_id: message.messageId,
        channel_id: CHANNEL,
        guild_id: message.guildId,
        fail_if_not_exists: false,
      },
    });
    expect(posts[1]?.body).not.toHaveProperty("message_reference");
  });

  test("a chunk sent again by a later attempt (its first send's outcome unknown) appears once: the nonce", async () => {
    const options = { deadline: deadline(), key: "discord:1300000000000000001" };
    await sendAnswer(outbox(), message, long, options);
    const posted = discord.sent(CHANNEL).length;
    // The worker died after chunk 1 went out, before the ledger heard: the next attempt resends chunk 1.
    const inFlight = { index: 1, since: Date.now() - 1_000 };
    await sendAnswer(outbox(), message, long, { ...options, progress: { delivered: 1, inFlight } });
    const posts = discord.callsOf("POST /channels/{channel}/messages");
    expect(posts.length).toBeGreaterThan(posted);
    expect(posts[0]?.body).toMatchObject({ nonce: chunkNonce(options.key, 0), enforce_nonce: true });
    expect(chunkNonce(options.key, 0).length).toBeLessThanOrEqual(25);
    expect(discord.sent(CHANNEL)).toHaveLength(posted);
  });

  test("a streamed reply is edited and removed in the channel, without pinging", async () => {
    const box = outbox();
    const ref = (await box.post(message, { index: 0, text: "a", key: "k" })) ?? "";
    const extra = (await box.post(message, { index: 1, text: "b", key: "k" })) ?? "";
    await box.edit?.(message, ref, { index: 0, text: "ab @everyone", key: "k" });
    await box.remove?.(message, extra);
    expect(discord.sent(CHANNEL)).toEqual(["ab @everyone"]);
    const [edit] = discord.callsOf("PATCH /channels/{channel}/messages/{message}");
    expect(edit?.body).toMatchObject({ allowed_mentions: { parse: [], replied_user: false }, flags: 4 });
    expect(edit?.params.message).toBe(ref);
    expect(box.streaming?.(message)).toEqual(DISCORD_STREAMING);
  });

  test("a part an earlier attempt posted with other text (its stream's first words): the nonce finds it, an edit brings it to this text", async () => {
    const first = await outbox().post(message, { index: 0, text: "The first", key: "k" });
    const again = await outbox().post(message, { index: 0, text: "The second answer", key: "k" });
    expect(again).toBe(first);
    expect(discord.sent(CHANNEL)).toEqual(["The second answer"]);
  });

  test("typing is shown in the channel", async () => {
    await outbox().typing(message);
    expect(discord.calls.map((c) => c.route)).toEqual(["POST /channels/{channel}/typing"]);
  });
});

describe("a message the bot starts (an admin's access request)", () => {
  test("the user's DM channel is opened, and the buttons go under the last chunk", async () => {
    const box = outbox();
    const reply = await box.direct?.("100000000000000042");
    const dm = discord.dmChannel("100000000000000042");
    expect(reply).toEqual({ kind: "message", channelId: dm ?? "none" });
    if (!reply) throw new Error("no DM");
    const buttons = [
      { label: "Allow", command: "/allow K7MX2P" },
      { label: "Deny", command: "/deny K7MX2P" },
    ];
    await sendAnswer(box, reply, `${long}\n\nAllow?`, { deadline: deadline(), buttons });
    const posted = discord.callsOf("POST /channels/{channel}/messages");
    expect(posted.length).toBeGreaterThan(1);
    const components = posted.map((c) => (c.body as { components?: unknown }).components);
    expect(components.slice(0, -1).every((c) => c === undefined)).toBe(true);
    expect(components.at(-1)).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: "Allow", custom_id: "/allow K7MX2P" },
          { type: 2, style: 2, label: "Deny", custom_id: "/deny K7MX2P" },
        ],
      },
    ]);
    expect(
      posted.every((c) => (c.body as { message_reference?: unknown }).message_reference === undefined),
    ).toBe(true);
    expect(posted.every((c) => c.response?.status === 200)).toBe(true);
  });
});
