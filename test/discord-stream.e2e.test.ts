/**
 * Streamed answers on Discord, end to end through the built bundles with the send ledger on: a slash
 * command's deferred response (`@original`) and a gateway message's reply (the relay's envelope, queued as
 * the relay queues it) grow by edits as the agent writes, under the emulator's per-route rate limits; a
 * long answer crossing 2000 characters continues in a follow-up; the final messages are the non-streaming
 * rendering; a worker killed mid-stream (a real process, killed) leaves, after the retry, one answer.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { APIGatewayProxyResult } from "aws-lambda";
import { agentStreams, words } from "../emulators/agent-streams.ts";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { discordErrors, startDiscord } from "../emulators/discord.ts";
import { commandInteraction } from "../emulators/discord-interactions.ts";
import { pollSqsOnce } from "../emulators/lambda.ts";
import { ENVELOPE_VERSION, type Envelope } from "../handlers/core/envelope.ts";
import { enqueue } from "../handlers/core/sqs-client.ts";
import { renderChunks } from "../handlers/core/text/split.ts";
import { markdownToDiscord } from "../handlers/discord/format.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { NodeFunction } from "./reliability/lambda-node.ts";

const ROUTE = "/discord/interactions";
const USER = "100000000000000001";
const CHANNEL = "300000000000000001";
const GUILD = "400000000000000001";

const {
  stack,
  platform: discord,
  ingress,
  work,
  pollOnce,
} = await useChannelE2E({
  channel: "discord",
  // Discord reaches the endpoint through API Gateway: here, the ingress bundle itself.
  platform: () => startDiscord({ transport: (_url, request) => viaIngress(request) }),
  secret: (platform) => ({
    application_id: platform.applicationId,
    public_key: platform.signer.publicKeyHex,
    bot_token: platform.botToken,
  }),
  ledger: "discord-stream-ledger",
  env: (platform) => ({
    ALLOWED_USERS: USER,
    DISCORD_API_URL: platform.url,
    DISCORD_PUBLIC_KEY: platform.signer.publicKeyHex,
  }),
});

/** A signed interaction into the ingress bundle, as API Gateway passes it on. */
async function viaIngress(request: { headers: Record<string, string>; body: string }) {
  const event = httpApiEvent({ method: "POST", path: ROUTE, headers: request.headers, body: request.body });
  const response: APIGatewayProxyResult = await ingress(event);
  return { status: response.statusCode, body: response.body };
}

/** A slash command, deferred by the ingress bundle (Discord then holds the "thinking…" response). */
async function ask(prompt = "plan please") {
  const interaction = commandInteraction({
    applicationId: discord.applicationId,
    name: "ask",
    prompt,
    userId: USER,
    channelId: CHANNEL,
  });
  const response = await discord.deliver(interaction, { url: `https://api.example${ROUTE}` });
  expect(response).toMatchObject({ status: 200, json: { type: 5 } });
  return interaction;
}

let messageId = 1_300_000_000_000_000_000n;
/** A gateway message addressed to the bot, queued as the relay queues it (relay/discord/inbound.ts). */
async function chat(text: string) {
  const id = String(++messageId);
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    channel: "discord",
    eventId: id,
    conversation: CHANNEL,
    user: { id: USER },
    text,
    attachments: [],
    reply: { kind: "message", channelId: CHANNEL, messageId: id, guildId: GUILD },
    receivedAt: Date.now(),
  };
  await enqueue(stack.queue.queueUrl, [envelope]);
  return id;
}

const ANSWER =
  "Here is **the plan** for today:\n\n1. Read the *logs*\n2. Fix the `LEDGER_TABLE` setting\n3. Deploy again\n\nThat should do it — tell me how it goes.";
const rendered = (md: string) => renderChunks(md, markdownToDiscord, 2000);
const routes = {
  original: "PATCH /webhooks/{application}/{token}/messages/@original",
  webhookEdit: "PATCH /webhooks/{application}/{token}/messages/{message}",
  followUp: "POST /webhooks/{application}/{token}",
  post: "POST /channels/{channel}/messages",
  edit: "PATCH /channels/{channel}/messages/{message}",
};
const ok = (route: string) => discord.callsOf(route).filter((c) => c.response?.status === 200);
const limited = () => discord.calls.filter((c) => c.response?.status === 429);
/** Every state the messages showed, in order: what the user saw. */
const states = (route: string) => ok(route).map((c) => String((c.body as { content?: string }).content));

describe("a slash command: the deferred response grows by edits", () => {
  test("the 'thinking…' response shows the first words, then grows, paced, to the non-streaming text", async () => {
    stack.agentcore.script(agentStreams.python(words(`${ANSWER} ${ANSWER}`), { chunkDelayMs: 90 }));
    const interaction = await ask();
    await work();
    const shown = [...states(routes.original), ...states(routes.webhookEdit)];
    expect(shown.length).toBeGreaterThanOrEqual(3);
    // Each state holds more than the one before, and none shows the Markdown half-written.
    for (const [i, text] of shown.entries()) {
      if (i > 0) expect(text.length).toBeGreaterThanOrEqual((shown[i - 1] ?? "").length);
      expect((text.match(/\*\*/g) ?? []).length % 2).toBe(0);
    }
    expect(discord.original(interaction.id)?.content).toBe(rendered(`${ANSWER} ${ANSWER}`)[0] ?? "");
    expect(discord.sent(CHANNEL)).toHaveLength(1);
    // One edit per 1.2 s at most while the agent writes (the last goes as soon as it is done); measured
    // where the calls arrive, so a call slowed on its way by a busy machine shortens the gap after it.
    const at = [...ok(routes.original), ...ok(routes.webhookEdit)].map((c) => c.at);
    for (let i = 1; i < at.length - 1; i++)
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(800);
    expect(limited()).toEqual([]);
  }, 20_000);

  test("an answer in one piece (a JSON body) is one edit of the deferred response, as before", async () => {
    stack.agentcore.script(agentReply.json({ response: ANSWER }));
    const interaction = await ask();
    await work();
    expect(discord.calls.map((c) => c.route)).toEqual([routes.original]);
    expect(discord.original(interaction.id)?.content).toBe(rendered(ANSWER)[0] ?? "");
  });

  test("a long answer crosses 2000 characters mid-stream: the full part freezes, the rest grows in a follow-up", async () => {
    const long = Array.from(
      { length: 24 },
      (_, i) => `Paragraph ${i}: **bold ${i}** and \`code\` — ${"lorem ipsum dolor sit amet ".repeat(6)}`,
    ).join("\n\n");
    stack.agentcore.script(agentStreams.typescript(words(long), { chunkDelayMs: 150, chunkBytes: 512 }));
    await ask("long");
    await work();
    const expected = rendered(long);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(discord.sent(CHANNEL)).toEqual(expected);
    // The follow-up was posted before the agent was done, and then edited as it grew.
    expect(ok(routes.followUp)).toHaveLength(expected.length - 1);
    const firstFollowUp = ok(routes.followUp)[0]?.at ?? 0;
    expect(ok(routes.webhookEdit).some((c) => c.at > firstFollowUp)).toBe(true);
    for (const c of discord.calls)
      expect(String((c.body as { content?: string }).content).length).toBeLessThanOrEqual(2000);
    expect(limited()).toEqual([]);
  }, 30_000);

  test("429 on an edit: its retry_after is waited out and the answer completes", async () => {
    discord.script(routes.webhookEdit, discordErrors.rateLimited(0.8));
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 250 }));
    const interaction = await ask("busy");
    await work();
    expect(discord.callsOf(routes.webhookEdit).some((c) => c.response?.status === 429)).toBe(true);
    expect(discord.original(interaction.id)?.content).toBe(rendered(ANSWER)[0] ?? "");
  }, 20_000);
});

describe("gateway chat: the bot's reply grows by edits", () => {
  test("posted as a reply to the user's message, then edited (bot token, no pings) to the final text", async () => {
    stack.agentcore.script(agentStreams.strandsPython(words(`${ANSWER} ${ANSWER}`), { chunkDelayMs: 90 }));
    const id = await chat("hello");
    await work();
    const [post, ...more] = ok(routes.post);
    expect(more).toEqual([]);
    expect(post?.body).toMatchObject({
      message_reference: { message_id: id },
      allowed_mentions: { parse: [] },
    });
    const edits = ok(routes.edit);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    for (const edit of edits) {
      expect(edit.authorization).toBe(`Bot ${discord.botToken}`);
      expect(edit.body).toMatchObject({ allowed_mentions: { parse: [] } });
    }
    expect(discord.sent(CHANNEL)).toEqual(rendered(`${ANSWER} ${ANSWER}`));
    expect(limited()).toEqual([]);
  }, 20_000);

  test("redelivered after the streamed answer completed: nothing sent again, the agent not asked", async () => {
    stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 20 }));
    await chat("once");
    const first = await pollOnce();
    expect(first.deleted).toHaveLength(1);
    const before = discord.calls.length;
    // The same record again (SQS at-least-once, a DLQ redrive).
    await stack.sqs.send(stack.queue.queueUrl, first.event.Records[0]?.body ?? "", { groupId: "g" });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(discord.calls.slice(before).filter((c) => !c.route.endsWith("/typing"))).toEqual([]);
  });
});

describe("the send ledger with streams", () => {
  const fn = new NodeFunction({
    bundle: "modules/discord/dist/worker.mjs",
    env: { ...process.env },
    timeoutMs: 30_000,
    output: () => {},
  });
  afterAll(() => fn.close());

  for (const kind of ["interaction", "message"] as const) {
    test(`${kind}: a worker killed mid-stream leaves, after the retry, one answer (the agent's new one) in the same message`, async () => {
      const first = `The first attempt's answer, which the worker never finishes: ${"it is killed while it streams this to the channel. ".repeat(6)}`;
      stack.agentcore.script(agentStreams.python(words(first), { chunkDelayMs: 150 }));
      stack.agentcore.script(agentStreams.python(words(ANSWER), { chunkDelayMs: 10 }));
      if (kind === "interaction") await ask("kill me");
      else await chat("kill me");
      const [posted, edited] =
        kind === "interaction" ? [routes.original, routes.webhookEdit] : [routes.post, routes.edit];
      const poll = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
        const running = fn.invoke(event);
        try {
          await discord.waitFor(
            (all) => all.some((c) => c.route === edited && c.response?.status === 200),
            10_000,
          );
        } finally {
          fn.kill();
        }
        throw new Error(`the worker was ${(await running).kind}`);
      });
      expect(poll.failed).toHaveLength(1);
      await work();
      expect(stack.agentcore.invocations()).toHaveLength(2);
      expect(discord.sent(CHANNEL)).toEqual(rendered(ANSWER));
      expect(ok(posted)).toHaveLength(1);
    }, 30_000);
  }
});
