/**
 * The contract between the relay and the Discord worker, end to end: a gateway MESSAGE_CREATE → the
 * relay → the Discord module's queue (fauxqs) → the built Discord worker bundle
 * (modules/discord/dist/worker.mjs) → AgentCore (fake) → a reply to the user's message in the channel
 * (fake Discord REST API).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { DEFAULT_DISCORD_APP, type FakeDiscord, startDiscord } from "../emulators/discord.ts";
import { FAKE_BOT, type FakeDiscordGateway, startDiscordGateway } from "../emulators/discord-gateway.ts";
import { drain, lambdaContext } from "../emulators/lambda.ts";
import { type FakeSecretsManager, startSecretsManager } from "../emulators/secrets-manager.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { type Relay, startRelay } from "../relay/relay.ts";
import { eventually } from "../relay/testing.ts";
import { loadBundle } from "./harness/bundles.ts";
import { setEnv } from "./harness/env.ts";

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
