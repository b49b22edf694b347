/**
 * The contract between the relay and the Discord worker, end to end: a gateway MESSAGE_CREATE → the
 * relay → the Discord module's queue (fauxqs) → the built Discord worker bundle
 * (modules/discord/dist/worker.mjs) → AgentCore (fake) → a reply to the user's message in the channel
 * (fake Discord REST API).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { type Relay, startRelay } from "../relay/start.ts";
import { eventually } from "../relay/testing.ts";
import { type FakeAgentCore, startAgentCore } from "./fakes/agentcore.ts";
import { DEFAULT_DISCORD_APP, type FakeDiscord, startDiscord } from "./fakes/discord.ts";
import { FAKE_BOT, type FakeDiscordGateway, startDiscordGateway } from "./fakes/discord-gateway.ts";
import { type FakeSecretsManager, startSecretsManager } from "./fakes/secrets-manager.ts";
import { awsTestEnv, setEnv } from "./harness/env.ts";
import { drain, lambdaContext, loadBundle } from "./harness/lambda.ts";
import { type FifoPair, type LocalSqs, startSqs } from "./harness/sqs.ts";
import { FAKE_AGENT_RUNTIME_ARN } from "./harness/stack.ts";

type WorkerHandler = (event: SQSEvent, context?: unknown) => Promise<unknown>;

const USER = "100000000000000001";
const GUILD = "400000000000000001";

let sqs: LocalSqs;
let secrets: FakeSecretsManager;
let agentcore: FakeAgentCore;
let discord: FakeDiscord;
let gateway: FakeDiscordGateway;
let queue: FifoPair;
let relay: Relay;
let worker: WorkerHandler;
let restoreEnv: () => void;

beforeAll(async () => {
  [sqs, secrets, agentcore, discord, gateway] = await Promise.all([
    startSqs(),
    startSecretsManager({
      secrets: {
        "discord-bot": {
          application_id: DEFAULT_DISCORD_APP.applicationId,
          public_key: "a".repeat(64),
          bot_token: DEFAULT_DISCORD_APP.botToken,
        },
      },
    }),
    startAgentCore(),
    startDiscord(),
    startDiscordGateway({ token: DEFAULT_DISCORD_APP.botToken }),
  ]);
  queue = await sqs.createFifoPair("discord");
  restoreEnv = setEnv({
    ...awsTestEnv({ sqs, secrets, agentcore, maxAttempts: 1 }),
    LOG_LEVEL: "error",
    // The Discord worker's environment, as modules/discord sets it.
    QUEUE_URL: queue.queueUrl,
    SECRET_ARN: secrets.arnOf("discord-bot"),
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    ALLOWED_USERS: USER,
    MAX_RECEIVE_COUNT: "3",
    DISCORD_API_URL: discord.url,
  });
  worker = (await loadBundle<{ handler: WorkerHandler }>("modules/discord/dist/worker.mjs")).handler;
  // The relay reads the same secret as the worker (DISCORD_SECRET_ARN), as modules/relay wires it.
  relay = await startRelay(
    {
      port: 0,
      shutdownTimeoutMs: 2_000,
      discord: { queueUrl: queue.queueUrl, secretArn: secrets.arnOf("discord-bot"), apiUrl: gateway.apiUrl },
    },
    { discord: { identifyThrottler: { waitForIdentify: async () => {} } } },
  );
  await relay.connections.until((c) => c.get("discord")?.state === "ready");
});

afterAll(async () => {
  await relay.stop();
  restoreEnv();
  await Promise.all([sqs.close(), secrets.close(), agentcore.close(), discord.close(), gateway.close()]);
});

const work = () =>
  drain(
    sqs,
    queue.queueUrl,
    queue.queueArn,
    (event) => worker(event, lambdaContext({ timeoutMs: 30_000 })) as never,
  );

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
