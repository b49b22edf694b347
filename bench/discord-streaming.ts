/**
 * Streamed answers on Discord in `bun run bench`, measured as bench/streaming.ts measures Telegram: the real
 * worker bundle in node processes, an agent that streams its answer over `agentSeconds` (Python SDK bytes, a
 * piece every `pieceMs`), and the fake Discord API with its per-route rate limits, all in this process's
 * clock. Each round sends `answers` messages at once, each in its own channel, in three ways: a slash
 * command (the deferred `@original` edited as it grows), a gateway message (the reply posted, then edited as
 * it grows), and a slash command with `STREAM_REPLIES=false` (the whole answer once written). The ingress is
 * not in the loop (its deferral is measured in the pipeline stage): each message is queued as the ingress
 * or the relay queues it. bench/discord-stream.ts keeps the longer, standalone measurement.
 *
 * *First visible*: the agent's first piece written → the first call that shows text in that channel reaching
 * the API. *Final*: the agent's last piece written → the last call that changes the channel.
 */
import { agentStreams } from "../emulators/agent-streams.ts";
import { type AgentCoreCall, FAKE_AGENT_RUNTIME_ARN, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { type DiscordCall, startDiscord } from "../emulators/discord.ts";
import { commandInteraction } from "../emulators/discord-interactions.ts";
import { DISCORD_LIMITS } from "../emulators/discord-limits.ts";
import type { FakeSecretsManager } from "../emulators/secrets-manager.ts";
import type { LocalSqs } from "../emulators/sqs.ts";
import { ENVELOPE_VERSION, type Envelope } from "../handlers/core/envelope.ts";
import { snowflakeTime } from "../handlers/discord/secret.ts";
import { runChild } from "./lib/node.ts";
import {
  type AnswerSample,
  askedFor,
  busiest,
  countBy,
  type LongAnswer,
  piecesFor,
  type StreamedRow,
  sampleOf,
  streamedRow,
} from "./lib/streamed.ts";

/** The ways an answer shows on Discord. */
export type DiscordStreamingWay =
  | "slash command, edits"
  | "gateway chat, edits"
  | "slash command, whole (STREAM_REPLIES=false)";

/** One way's figures over every round. */
export type DiscordStreamingRow = StreamedRow<DiscordStreamingWay>;

export interface DiscordStreamingResult {
  readonly rounds: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  readonly rows: DiscordStreamingRow[];
  /** One long answer per way of streaming (`longSeconds`). */
  readonly long: LongAnswer[];
  readonly errors: string[];
}

export interface DiscordStreamingOptions {
  readonly rounds: number;
  readonly answers: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  /** How long the agent streams its one long answer per way; 0 for none. */
  readonly longSeconds: number;
}

const USER = "100000000000000001";
/** Calls that change what a channel shows. */
const SHOWS = /^(POST|PATCH) \/(webhooks|channels)\//;
const FILLER = "the agent thinks aloud and the answer grows while the user watches it".split(" ");

function answerPieces(marker: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? `**${marker}** ` : `${FILLER[i % FILLER.length]}${i % 40 === 39 ? "\n\n" : " "}`,
  );
}

/** Runs the stage. */
export async function measureDiscordStreaming(
  stack: { sqs: LocalSqs; secrets: FakeSecretsManager },
  drivers: { workerPool: string },
  worker: string,
  options: DiscordStreamingOptions,
): Promise<DiscordStreamingResult> {
  // Every command is deferred, as the ingress does (its own time is not measured here).
  const discord = await startDiscord({ transport: async () => ({ status: 200, body: '{"type":5}' }) });
  const agentcore = await startAgentCore();
  const secretArn = stack.secrets.setSecret("bench/discord-streaming", {
    application_id: discord.applicationId,
    public_key: discord.signer.publicKeyHex,
    bot_token: discord.botToken,
  }).arn;
  const errors: string[] = [];
  const lengths = new Map<string, number>();
  agentcore.setDefault((call: AgentCoreCall) => {
    const prompt = String((call.payload as { prompt?: unknown } | undefined)?.prompt ?? "");
    const marker = /d\d+w\d+m\d+/.exec(prompt)?.[0] ?? "unknown";
    return agentStreams.python(answerPieces(marker, lengths.get(marker) ?? 1), {
      chunkDelayMs: options.pieceMs,
    });
  });

  interface Message {
    readonly marker: string;
    readonly channel: string;
    readonly slash: boolean;
    token?: string;
  }
  let batch = 0;
  const run = async (
    messages: Message[],
    env: Record<string, string>,
    seconds = options.agentSeconds,
    first = 0,
  ) => {
    const queue = await stack.sqs.createFifoPair(`bench-discord-streaming-${++batch}`);
    for (const [i, m] of messages.entries()) {
      lengths.set(m.marker, piecesFor(seconds, options.pieceMs, first + i));
      const interaction = commandInteraction({
        applicationId: discord.applicationId,
        name: "ask",
        prompt: m.marker,
        userId: USER,
        channelId: m.channel,
      });
      const id = interaction.id;
      let reply: Envelope["reply"];
      if (m.slash) {
        await discord.deliver(interaction, { url: "https://endpoint.example" });
        m.token = interaction.token;
        reply = {
          kind: "interaction",
          applicationId: discord.applicationId,
          token: interaction.token,
          interactionId: id,
          channelId: m.channel,
          issuedAt: snowflakeTime(id),
        };
      } else reply = { kind: "message", channelId: m.channel, messageId: id };
      const envelope: Envelope = {
        v: ENVELOPE_VERSION,
        channel: "discord",
        eventId: id,
        conversation: m.channel,
        user: { id: USER },
        text: m.marker,
        attachments: [],
        reply,
        receivedAt: Date.now(),
      };
      await stack.sqs.send(queue.queueUrl, JSON.stringify(envelope), { groupId: `discord:${m.channel}` });
    }
    const timeoutMs = seconds * 1000 + 30_000;
    const handlerEnv = {
      ...awsTestEnv({ sqs: stack.sqs, secrets: stack.secrets, agentcore }),
      QUEUE_URL: queue.queueUrl,
      SECRET_ARN: secretArn,
      AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
      MAX_RECEIVE_COUNT: "3",
      ALLOWED_USERS: USER,
      DISCORD_API_URL: discord.url,
      DISCORD_PUBLIC_KEY: discord.signer.publicKeyHex,
      LOG_LEVEL: "warn",
      ...env,
    };
    const pool = await runChild<{ done: number; failed: number }>(
      [drivers.workerPool],
      {
        bundle: worker,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        pollers: messages.length,
        batchSize: 1,
        expected: messages.length,
        deadlineMs: timeoutMs + 30_000,
        timeoutMs,
      },
      { env: handlerEnv, timeoutMs: timeoutMs + 60_000 },
    );
    if (!pool.result) errors.push(`worker process failed (exit ${pool.code}): ${pool.stderr.slice(-300)}`);
    else if (pool.result.done < messages.length)
      errors.push(`${messages.length - pool.result.done} streamed answers not done`);
  };

  const ways: DiscordStreamingWay[] = [
    "slash command, edits",
    "gateway chat, edits",
    "slash command, whole (STREAM_REPLIES=false)",
  ];
  const samples = new Map(ways.map((w) => [w, [] as AnswerSample[]]));
  const content = (c: DiscordCall) => String((c.body as { content?: unknown } | undefined)?.content ?? "");
  let channel = 0;
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const [w, way] of ways.entries()) {
        const messages = Array.from({ length: options.answers }, (_, i): Message => {
          channel += 1;
          return {
            marker: `d${round}w${w}m${i}`,
            channel: String(300_000_000_000_200_000n + BigInt(channel)),
            slash: way !== "gateway chat, edits",
          };
        });
        const env: Record<string, string> = way.includes("whole") ? { STREAM_REPLIES: "false" } : {};
        await run(messages, env, options.agentSeconds, round * options.answers);
        const into = samples.get(way);
        if (!into) continue;
        for (const m of messages) {
          const calls = discord.calls.filter(
            (c) => c.params.channel === m.channel || (m.token !== undefined && c.params.token === m.token),
          );
          const shown = calls.filter((c) => SHOWS.test(c.route) && c.response?.status === 200);
          const limited = calls.filter((c) => c.response?.status === 429).length;
          const sample = sampleOf(
            round,
            askedFor(agentcore.invocations(), m.marker),
            { calls: shown.length, first: shown.find((c) => content(c).trim() !== ""), last: shown.at(-1) },
            limited,
          );
          if (sample) into.push(sample);
          else errors.push(`${way}: ${m.marker} got no answer`);
        }
      }
    }
    const long: LongAnswer[] = [];
    if (options.longSeconds > 0) {
      for (const [w, way] of ways.slice(0, 2).entries()) {
        channel += 1;
        const m: Message = {
          marker: `d0w${w}m99`,
          channel: String(300_000_000_000_200_000n + BigInt(channel)),
          slash: w === 0,
        };
        await run([m], {}, options.longSeconds);
        const shown = discord.calls.filter(
          (c) =>
            (c.params.channel === m.channel || (m.token !== undefined && c.params.token === m.token)) &&
            SHOWS.test(c.route),
        );
        const ok = shown.filter((c) => c.response?.status === 200);
        long.push({
          way,
          seconds: options.longSeconds,
          calls: countBy(ok, (c) => c.route),
          limit: `edits: ${DISCORD_LIMITS.perWindow} per ${DISCORD_LIMITS.windowMs / 1000} s (observed)`,
          busiest: busiest(
            ok.filter((c) => c.route.startsWith("PATCH")).map((c) => c.at),
            DISCORD_LIMITS.windowMs,
          ),
          max: DISCORD_LIMITS.perWindow,
          rateLimited: shown.filter((c) => c.response?.status === 429).length,
        });
      }
    }
    return {
      rounds: options.rounds,
      agentSeconds: options.agentSeconds,
      pieceMs: options.pieceMs,
      rows: ways.map((way) => streamedRow(way, samples.get(way) ?? [])),
      long,
      errors: [...new Set(errors)],
    };
  } finally {
    await Promise.all([agentcore.close(), discord.close()]);
  }
}
