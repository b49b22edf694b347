/**
 * `bun run bench/discord-stream.ts`: Discord streaming measured through the built worker bundle
 * (modules/discord/dist/worker.mjs) against the loopback emulators (fauxqs, Secrets Manager, AgentCore,
 * Discord with its rate limits on): the time from the agent's first text to the first visible text (the
 * worker's own `reply.first_visible` log, p50/p99 over short answers, for a slash command and for gateway
 * chat), and the Discord calls one 30-second streamed answer costs, by route. What it prints is what
 * handlers/discord/README.md reports. `STREAM_RUNS` sets the number of short answers (default 20).
 */
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import { agentStreams, words } from "../emulators/agent-streams.ts";
import { type AgentReply, FAKE_AGENT_RUNTIME_ARN, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { startDiscord } from "../emulators/discord.ts";
import { commandInteraction } from "../emulators/discord-interactions.ts";
import { drain } from "../emulators/lambda.ts";
import { startSecretsManager } from "../emulators/secrets-manager.ts";
import { startSqs } from "../emulators/sqs.ts";
import { ENVELOPE_VERSION, type Envelope } from "../handlers/core/envelope.ts";
import { enqueue } from "../handlers/core/sqs-client.ts";
import { snowflakeTime } from "../handlers/discord/secret.ts";
import { table } from "./lib/markdown.ts";
import { percentile } from "./lib/stats.ts";

const USER = "100000000000000001";
const CHANNEL = "300000000000000001";
const runs = Number(process.env.STREAM_RUNS ?? 20);

// The endpoint is not measured here: every command is deferred, as the ingress does.
const discord = await startDiscord({ transport: async () => ({ status: 200, body: '{"type":5}' }) });
const [sqs, secrets, agentcore] = await Promise.all([startSqs(), startSecretsManager(), startAgentCore()]);
const queue = await sqs.createFifoPair("discord-stream-bench");
const secret = secrets.setSecret("discord-stream-bench", {
  application_id: discord.applicationId,
  public_key: "a".repeat(64),
  bot_token: discord.botToken,
});
// The worker's environment, as modules/discord sets it, pointed at the emulators; read when it loads.
const env = {
  ...awsTestEnv({ sqs, secrets, agentcore }),
  QUEUE_URL: queue.queueUrl,
  SECRET_ARN: secret.arn,
  AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
  ALLOWED_USERS: USER,
  DISCORD_API_URL: discord.url,
  LOG_LEVEL: "info",
};
for (const [key, value] of Object.entries(env)) {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
const bundle = join(import.meta.dir, "../modules/discord/dist/worker.mjs");
const worker = ((await import(bundle)) as { handler: (event: SQSEvent) => Promise<unknown> }).handler;

// The worker logs JSON lines through console.info: the first-visible ones are kept, the rest dropped.
const firstVisible: number[] = [];
const { info, warn } = console;
console.warn = () => {};
console.info = (line: unknown) => {
  const parsed =
    typeof line === "string" && line.includes("reply.first_visible") ? JSON.parse(line) : undefined;
  if (parsed?.afterFirstTextMs !== undefined) firstVisible.push(parsed.afterFirstTextMs);
};

/** One message to the bot through the queue, answered by the worker: a gateway message or a slash command. */
async function answer(kind: "message" | "interaction", agent: AgentReply, timeoutMs = 30_000) {
  const interaction = commandInteraction({
    applicationId: discord.applicationId,
    name: "ask",
    prompt: "measure",
    channelId: CHANNEL,
  });
  const id = interaction.id;
  let reply: Envelope["reply"];
  if (kind === "message") reply = { kind, channelId: CHANNEL, messageId: id };
  else {
    // The ingress has answered "thinking…": Discord holds the deferred response to edit.
    await discord.deliver(interaction, { url: "https://endpoint.example" });
    reply = {
      kind,
      applicationId: discord.applicationId,
      token: interaction.token,
      interactionId: id,
      channelId: CHANNEL,
      issuedAt: snowflakeTime(id),
    };
  }
  agentcore.script(agent);
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    channel: "discord",
    eventId: id,
    conversation: CHANNEL,
    user: { id: USER },
    text: "measure",
    attachments: [],
    reply,
    receivedAt: Date.now(),
  };
  await enqueue(queue.queueUrl, [envelope]);
  await drain(sqs, queue.queueUrl, queue.queueArn, worker, { timeoutMs });
}

const SHORT = words(
  "Here is **the plan** for today: read the *logs*, fix the `LEDGER_TABLE` setting and deploy again.",
);
const rows: string[][] = [];
try {
  for (const kind of ["interaction", "message"] as const) {
    firstVisible.length = 0;
    for (let i = 0; i < runs; i++) {
      discord.reset();
      await answer(kind, agentStreams.python(SHORT, { chunkDelayMs: 40 }));
    }
    const sorted = [...firstVisible].sort((a, b) => a - b);
    rows.push([
      kind === "interaction" ? "slash command" : "gateway chat",
      String(sorted.length),
      String(percentile(sorted, 50)),
      String(percentile(sorted, 99)),
    ]);
  }
  console.log("Agent's first text → first visible text on Discord (ms, loopback):\n");
  console.log(table(["reply", "answers", "p50", "p99"], rows));

  // A 30-second answer: 300 pieces 100 ms apart (~2,400 characters: two messages).
  discord.reset();
  const long = Array.from({ length: 300 }, (_, i) => `word${i} `);
  long.splice(150, 0, "\n\n");
  const started = Date.now();
  await answer("interaction", agentStreams.python(long, { chunkDelayMs: 100 }), 90_000);
  const seconds = (Date.now() - started) / 1000;
  const byRoute = new Map<string, number>();
  for (const call of discord.calls) byRoute.set(call.route, (byRoute.get(call.route) ?? 0) + 1);
  const limited = discord.calls.filter((c) => c.response?.status === 429).length;
  console.log(`\nOne streamed answer of ${seconds.toFixed(1)} s (slash command), Discord calls by route:\n`);
  console.log(
    table(
      ["route", "calls"],
      [...byRoute].map(([route, n]) => [route, String(n)]).concat([["429s", String(limited)]]),
    ),
  );
} finally {
  console.info = info;
  console.warn = warn;
  await Promise.all([sqs.close(), secrets.close(), agentcore.close(), discord.close()]);
}
