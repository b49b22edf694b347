/**
 * The contract between the relay and the Discord worker, end to end: a gateway MESSAGE_CREATE → the
 * relay → the Discord module's queue (fauxqs) → the built Discord worker bundle
 * (modules/discord/dist/worker.mjs) → AgentCore (fake) → a reply to the user's message in the channel
 * (fake Discord REST API), with a file the user posted fetched from Discord's CDN for the agent. And back: a message the agent starts, on the Discord send queue, goes to a
 * gateway channel an allowed user talked in, once per idempotency key; a channel nobody allowed talked in
 * is refused.
 */
import { afterAll, expect, test } from "bun:test";
import { DEFAULT_DISCORD_APP, startDiscord } from "../emulators/discord.ts";
import { FAKE_BOT, startDiscordGateway } from "../emulators/discord-gateway.ts";
import { drain } from "../emulators/lambda.ts";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import { eventually } from "../relay/testing.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const USER = "100000000000000001";
const GUILD = "400000000000000001";

// Stopped before the emulators it uses (hooks run in the order they were registered).
let relay: Relay | undefined;
afterAll(() => relay?.stop());

const {
  stack,
  platform: discord,
  work,
  worker,
} = await useChannelE2E({
  channel: "discord",
  secret: {
    application_id: DEFAULT_DISCORD_APP.applicationId,
    public_key: "a".repeat(64),
    bot_token: DEFAULT_DISCORD_APP.botToken,
  },
  platform: () => startDiscord(),
  // The send ledger (and who talked where) on, as the module deploys the worker.
  ledger: "relay-discord-ledger",
  // The media bucket on fauxqs' S3, as the module makes it (files reach the agent).
  mediaBucket: "relay-discord-media",
  // The Discord worker's environment, as modules/discord sets it.
  env: (platform) => ({ ALLOWED_USERS: USER, DISCORD_API_URL: platform.url }),
});
const { sqs, queue, agentcore } = stack;
// The send queue, as the module makes it beside the main queue.
const send = await sqs.createFifoPair("discord-send");
const restoreSend = setEnv({
  SEND_QUEUE_URL: send.queueUrl,
  SEND_QUEUE_ARN: send.queueArn,
  SEND_DLQ_URL: send.dlqUrl,
});
afterAll(() => restoreSend());
const gateway = await startDiscordGateway({ token: DEFAULT_DISCORD_APP.botToken });
afterAll(() => gateway.close());
// The relay reads the same secret as the worker (DISCORD_SECRET_ARN), as modules/relay wires it.
relay = await startRelay(
  {
    port: 0,
    shutdownTimeoutMs: 2_000,
    discord: { queueUrl: queue.queueUrl, secretArn: stack.secretArn, apiUrl: gateway.apiUrl },
  },
  { discord: { identifyThrottler: { waitForIdentify: async () => {} } } },
);
await relay.connections.until((c) => c.get("discord")?.state === "ready");

test("a server message mentioning the bot is answered as a reply to it, in its channel", async () => {
  const sent = gateway.messageCreate({
    authorId: USER,
    guildId: GUILD,
    content: `<@${FAKE_BOT.id}> hello from the gateway`,
    mentions: [FAKE_BOT.id],
  });
  await eventually(async () => (await sqs.depth(queue.queueUrl)).visible === 1);
  const result = await work();
  expect(result.polls.flatMap((p) => p.failed)).toEqual([]);
  expect(agentcore.invocations()[0]?.payload).toMatchObject({
    prompt: "hello from the gateway",
    channel: "discord",
  });
  const [post] = discord.callsOf("POST /channels/{channel}/messages");
  expect(post?.body).toMatchObject({
    content: "echo: hello from the gateway",
    message_reference: { message_id: sent.id },
    allowed_mentions: { parse: [] },
  });
  expect(discord.sent(sent.channel_id)).toEqual(["echo: hello from the gateway"]);
  expect(await sqs.depth(queue.dlqUrl)).toMatchObject({ visible: 0 });
});

test("gateway chat takes /help and /new as every channel does: help without the agent, /new ends the session", async () => {
  agentcore.reset();
  const dm = { authorId: USER, channelId: "200000000000000077" };
  gateway.messageCreate({ ...dm, content: "hello" });
  gateway.messageCreate({ ...dm, content: "/help" });
  gateway.messageCreate({ ...dm, content: "/new" });
  await eventually(async () => (await sqs.depth(queue.queueUrl)).visible === 3);
  const result = await work();
  expect(result.polls.flatMap((p) => p.failed)).toEqual([]);
  const [asked, ...more] = agentcore.invocations();
  expect(more).toEqual([]);
  expect(asked?.payload).toMatchObject({ prompt: "hello" });
  expect(agentcore.stoppedSessions).toEqual([asked?.sessionId as string]);
  expect(discord.sent(dm.channelId)).toEqual([
    "echo: hello",
    "Send me a message and I will pass it to the agent.\n\n/new starts a new conversation.",
    "Started a new conversation.",
  ]);
});

test("the agent writes later to a gateway channel an allowed user talked in, once per key; a stranger's is refused", async () => {
  const channel = "200000000000000088";
  const stranger = "200000000000000099";
  const outbound = (conversation: string, text: string, idempotencyKey: string) =>
    sendOutbound(
      send.queueUrl,
      { channel: "discord", conversation, text, idempotencyKey },
      { client: sqs.client },
    );
  const deliver = () => drain(sqs, send.queueUrl, send.queueArn, worker);
  // Nobody allowed talked there yet.
  await outbound(channel, "too early", "d-0");
  await outbound(stranger, "hello stranger", "d-s");
  await deliver();
  expect(discord.sent(channel)).toEqual([]);
  expect(discord.sent(stranger)).toEqual([]);

  gateway.messageCreate({ authorId: USER, channelId: channel, content: "remind me later" });
  await eventually(async () => (await sqs.depth(queue.queueUrl)).visible === 1);
  await work();
  await outbound(channel, "Your **report** is ready.", "d-1");
  // The caller's retry after SQS's five minutes (another deduplication id): the ledger stops it.
  await sqs.send(
    send.queueUrl,
    JSON.stringify({
      channel: "discord",
      conversation: channel,
      text: "Your **report** is ready.",
      idempotencyKey: "d-1",
    }),
    { groupId: `discord:${channel}`, dedupId: "later" },
  );
  await deliver();
  expect(discord.sent(channel)).toEqual(["echo: remind me later", "Your **report** is ready."]);
  // Not a reply to anyone's message: no message reference.
  expect(discord.callsOf("POST /channels/{channel}/messages").at(-1)?.body).not.toHaveProperty(
    "message_reference",
  );
  expect(await sqs.depth(send.dlqUrl)).toMatchObject({ visible: 0 });
});

test("a file posted in gateway chat reaches the agent: fetched from Discord's CDN, stored, presigned", async () => {
  agentcore.reset();
  const file = discord.attachments.add("minutes of the meeting", {
    contentType: "text/plain; charset=utf-8",
  });
  gateway.messageCreate({
    authorId: USER,
    channelId: "200000000000000066",
    content: "summarize this",
    attachments: [
      {
        id: "500000000000000777",
        filename: "minutes.txt",
        size: 22,
        url: discord.cdnUrl(file.id, "minutes.txt"),
        content_type: "text/plain; charset=utf-8",
      },
    ],
  });
  await eventually(async () => (await sqs.depth(queue.queueUrl)).visible === 1);
  await work();
  const payload = agentcore.invocations()[0]?.payload as {
    prompt: string;
    attachments: Record<string, unknown>[];
  };
  expect(payload.prompt).toBe("summarize this");
  const [minutes] = payload.attachments;
  expect(minutes).toMatchObject({
    kind: "document",
    mime: "text/plain; charset=utf-8",
    size: 22,
    name: "minutes.txt",
    s3: expect.stringMatching(/^s3:\/\/relay-discord-media\/in\/discord\//),
  });
  expect(await (await fetch(String(minutes?.url))).text()).toBe("minutes of the meeting");
  expect(discord.sent("200000000000000066")).toEqual(["echo: summarize this"]);
});
