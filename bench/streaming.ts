/**
 * Streamed answers on Telegram: how soon the user sees the agent's first words, and what the stream
 * costs in Bot API calls. The real ingress and worker bundles in node processes (as in the pipeline
 * stage), an agent that streams its answer over `agentSeconds` (Python SDK bytes, a piece every
 * `pieceMs`), and the fake Bot API with its draft and flood-control rules, all in this process's clock.
 * Each round sends `answers` messages at once, each in its own chat, in three ways: private chats with
 * drafts (the default), groups (a message edited as it grows), and private chats with
 * `STREAM_REPLIES=false` (the whole answer once written, as before streaming).
 *
 * *First visible*: the agent's first piece written (its response starts with it) → the first call that
 * shows text in that chat reaching the Bot API. *Final*: the agent's last piece written → the call that
 * brings the chat to the final text. Then one long answer (`longSeconds`) per kind of chat, to count the
 * calls a long stream makes against Telegram's limits.
 */
import { agentStreams } from "../emulators/agent-streams.ts";
import { type AgentCoreCall, FAKE_AGENT_RUNTIME_ARN, startAgentCore } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import type { FakeSecretsManager } from "../emulators/secrets-manager.ts";
import type { LocalSqs } from "../emulators/sqs.ts";
import {
  DEFAULT_TELEGRAM_TOKEN,
  startTelegram,
  type TelegramCall,
  telegramTextUpdate,
} from "../emulators/telegram.ts";
import { runChild } from "./lib/node.ts";
import {
  type AnswerSample,
  askedFor,
  piecesFor,
  type StreamedRow,
  sampleOf,
  streamedRow,
} from "./lib/streamed.ts";

/** The ways an answer shows. */
export type StreamingWay =
  | "private chat, drafts"
  | "group, edits"
  | "private chat, whole (STREAM_REPLIES=false)";

/** One way's figures over every round. */
export type StreamingRow = StreamedRow<StreamingWay>;

/** The calls of one long streamed answer. */
export interface LongStream {
  readonly way: StreamingWay;
  readonly seconds: number;
  readonly drafts: number;
  readonly messages: number;
  readonly edits: number;
  /** The most calls that changed the chat in any 60-second window (edits and messages). */
  readonly messagesPerMinute: number;
  readonly rateLimited: number;
}

export interface StreamingResult {
  readonly rounds: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  readonly rows: StreamingRow[];
  readonly long: LongStream[];
  readonly errors: string[];
}

export interface StreamingOptions {
  readonly rounds: number;
  /** Messages per way and round, each in its own chat, all at once. */
  readonly answers: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  /** The long answer's length (0: not run). */
  readonly longSeconds: number;
}

const SECRET = "bench_stream_webhook_secret_01234";
const BOT = "BenchBot";
/** Calls that change what the chat shows. */
const SHOWS = new Set(["sendMessageDraft", "sendMessage", "editMessageText"]);
const FILLER = "the agent thinks aloud and the answer grows while the user watches it".split(" ");

/** The answer to marker `marker`, cut into the pieces the agent streams (`count` of them). */
function answerPieces(marker: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? `**${marker}** ` : `${FILLER[i % FILLER.length]}${i % 40 === 39 ? "\n\n" : " "}`,
  );
}

interface Message {
  readonly marker: string;
  readonly chatId: number;
  readonly group: boolean;
}

/** Runs the stage. */
export async function measureStreaming(
  stack: { sqs: LocalSqs; secrets: FakeSecretsManager },
  drivers: { ingressLoad: string; workerPool: string },
  bundles: { ingress: string; worker: string },
  options: StreamingOptions,
): Promise<StreamingResult> {
  const [agentcore, telegram] = await Promise.all([startAgentCore(), startTelegram({ botUsername: BOT })]);
  const secretArn = stack.secrets.setSecret("bench/streaming", {
    bot_token: DEFAULT_TELEGRAM_TOKEN,
    webhook_secret: SECRET,
  }).arn;
  const errors: string[] = [];
  /** Pieces per answer by marker; the agent streams them, one every pieceMs. */
  const lengths = new Map<string, number>();
  agentcore.setDefault((call: AgentCoreCall) => {
    const prompt = String((call.payload as { prompt?: unknown } | undefined)?.prompt ?? "");
    const marker = /[sl]\d+w\d+m\d+/.exec(prompt)?.[0] ?? "unknown";
    const count = lengths.get(marker) ?? 1;
    return agentStreams.python(answerPieces(marker, count), { chunkDelayMs: options.pieceMs });
  });

  let batch = 0;
  /** Sends `messages` through the ingress and the worker; resolves once each is answered. */
  /** Sends `messages` (answers `first`… of their way) and waits until each is answered. */
  const run = async (
    messages: readonly Message[],
    seconds: number,
    env: Record<string, string>,
    first = 0,
  ) => {
    const queue = await stack.sqs.createFifoPair(`bench-streaming-${++batch}`);
    for (const [i, m] of messages.entries())
      lengths.set(m.marker, piecesFor(seconds, options.pieceMs, first + i));
    const handlerEnv = {
      ...awsTestEnv({ sqs: stack.sqs, secrets: stack.secrets, agentcore }),
      QUEUE_URL: queue.queueUrl,
      SECRET_ARN: secretArn,
      AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
      MAX_RECEIVE_COUNT: "3",
      ALLOWED_USERS: "*",
      TELEGRAM_API_URL: telegram.url,
      LOG_LEVEL: "warn",
      ...env,
    };
    const events = messages.map((m, i) => {
      const update = telegramTextUpdate({
        text: m.group ? `@${BOT} ${m.marker}` : m.marker,
        messageId: 10_000 * batch + i,
        ...(m.group ? { chatId: m.chatId, userId: 4242 } : { userId: m.chatId }),
      });
      if (m.group && update.message)
        Object.assign(update.message, { entities: [{ type: "mention", offset: 0, length: BOT.length + 1 }] });
      return httpApiEvent({
        method: "POST",
        path: "/telegram",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(update),
      });
    });
    const timeoutMs = Math.max(30_000, seconds * 1000 + 30_000);
    const [load, pool] = await Promise.all([
      runChild<{ statuses: Record<string, number> }>(
        [drivers.ingressLoad],
        { bundle: bundles.ingress, events, concurrency: messages.length },
        { env: handlerEnv, timeoutMs: 60_000 },
      ),
      runChild<{ done: number; failed: number }>(
        [drivers.workerPool],
        {
          bundle: bundles.worker,
          queueUrl: queue.queueUrl,
          queueArn: queue.queueArn,
          pollers: messages.length,
          batchSize: 1,
          expected: messages.length,
          deadlineMs: timeoutMs + 30_000,
          timeoutMs,
        },
        { env: handlerEnv, timeoutMs: timeoutMs + 60_000 },
      ),
    ]);
    if (!load.result) errors.push(`ingress process failed (exit ${load.code}): ${load.stderr.slice(-300)}`);
    if (!pool.result) errors.push(`worker process failed (exit ${pool.code}): ${pool.stderr.slice(-300)}`);
    else if (pool.result.done < messages.length)
      errors.push(`${messages.length - pool.result.done} streamed answers not done`);
  };

  /** The calls in `chatId`, and when the agent was asked for `marker`. */
  const evidence = (m: Message) => {
    const calls = telegram.calls.filter((c) => String(c.params.chat_id) === String(m.chatId));
    return { calls, asked: askedFor(agentcore.invocations(), m.marker) };
  };
  const shows = (c: TelegramCall) => SHOWS.has(c.method) && c.response?.status === 200;

  const ways: StreamingWay[] = [
    "private chat, drafts",
    "group, edits",
    "private chat, whole (STREAM_REPLIES=false)",
  ];
  const samples = new Map(ways.map((w) => [w, [] as AnswerSample[]]));
  let chat = 0;
  const messagesOf = (way: StreamingWay, round: number, count: number, prefix = "s") =>
    Array.from({ length: count }, (_, i): Message => {
      const group = way === "group, edits";
      chat += 1;
      return {
        marker: `${prefix}${round}w${ways.indexOf(way)}m${i}`,
        chatId: group ? -1_007_000_000 - chat : 7_000_000 + chat,
        group,
      };
    });
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const way of ways) {
        const messages = messagesOf(way, round, options.answers);
        const whole = way.includes("whole");
        await run(
          messages,
          options.agentSeconds,
          whole ? { STREAM_REPLIES: "false" } : {},
          round * options.answers,
        );
        const into = samples.get(way);
        if (!into) continue;
        for (const m of messages) {
          const { calls, asked } = evidence(m);
          const shown = calls.filter(shows);
          const last = shown.findLast((c) => c.method !== "sendMessageDraft");
          const limited = calls.filter((c) => c.response?.status === 429).length;
          const sample = sampleOf(round, asked, { calls: shown.length, first: shown[0], last }, limited);
          if (sample) into.push(sample);
          else errors.push(`${way}: ${m.marker} got no answer`);
        }
      }
    }
    const long: LongStream[] = [];
    if (options.longSeconds > 0) {
      const messages = [
        ...messagesOf("private chat, drafts", 0, 1, "l"),
        ...messagesOf("group, edits", 0, 1, "l"),
      ];
      await run(messages, options.longSeconds, {});
      for (const [i, m] of messages.entries()) {
        const { calls } = evidence(m);
        const ok = calls.filter(shows);
        const count = (method: string) => ok.filter((c) => c.method === method).length;
        const persistent = ok.filter((c) => c.method !== "sendMessageDraft").map((c) => c.at);
        const perMinute = Math.max(
          0,
          ...persistent.map((at) => persistent.filter((t) => t >= at && t < at + 60_000).length),
        );
        long.push({
          way: i === 0 ? "private chat, drafts" : "group, edits",
          seconds: options.longSeconds,
          drafts: count("sendMessageDraft"),
          messages: count("sendMessage"),
          edits: count("editMessageText"),
          messagesPerMinute: perMinute,
          rateLimited: calls.filter((c) => c.response?.status === 429).length,
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
    await Promise.all([agentcore.close(), telegram.close()]);
  }
}
