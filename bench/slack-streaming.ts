/**
 * Streamed answers on Slack, measured as bench/streaming.ts measures Telegram: the real ingress and worker
 * bundles in node processes, an agent that streams its answer over `agentSeconds` (Python SDK bytes, a
 * piece every `pieceMs`), and the fake Web API with its stream rules and tier limits, all in this process's
 * clock. Each round sends `answers` messages at once, each in its own DM, in three ways: in an assistant
 * thread (Slack's own stream: chat.startStream / appendStream / stopStream), at the DM's top level (a
 * message posted, then updated as it grows: the fallback where streams do not apply), and in a thread with
 * `STREAM_REPLIES=false` (the whole answer once written, as before streaming).
 *
 * *First visible*: the agent's first piece written (its response starts with it) → the first call that
 * shows text in that DM reaching the Web API. *Final*: the agent's last piece written → the call that
 * brings the DM to the final text.
 */
import { agentStreams } from "../emulators/agent-streams.ts";
import { type AgentCoreCall, FAKE_AGENT_RUNTIME_ARN, startAgentCore } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import type { FakeSecretsManager } from "../emulators/secrets-manager.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackCall,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  slackTs,
  startSlack,
} from "../emulators/slack.ts";
import { SLACK_TIERS } from "../emulators/slack-limits.ts";
import type { LocalSqs } from "../emulators/sqs.ts";
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

/** The ways an answer shows on Slack. */
export type SlackStreamingWay =
  | "assistant thread, Slack's stream"
  | "DM top level, updates"
  | "assistant thread, whole (STREAM_REPLIES=false)";

/** One way's figures over every round. */
export type SlackStreamingRow = StreamedRow<SlackStreamingWay>;

export interface SlackStreamingResult {
  readonly rounds: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  readonly rows: SlackStreamingRow[];
  /** One long answer per way of streaming (`longSeconds`), alone in the workspace. */
  readonly long: LongAnswer[];
  readonly errors: string[];
}

export interface SlackStreamingOptions {
  readonly rounds: number;
  /** Messages per way and round, each in its own DM, all at once. */
  readonly answers: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  /** How long the agent streams its one long answer per way; 0 for none. */
  readonly longSeconds: number;
}

/** Calls that change what the DM shows. */
const SHOWS = new Set([
  "chat.postMessage",
  "chat.update",
  "chat.startStream",
  "chat.appendStream",
  "chat.stopStream",
]);
const FILLER = "the agent thinks aloud and the answer grows while the user watches it".split(" ");
const USER = "U0BENCHER1";

/** The answer to marker `marker`, cut into the pieces the agent streams (`count` of them). */
function answerPieces(marker: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? `**${marker}** ` : `${FILLER[i % FILLER.length]}${i % 40 === 39 ? "\n\n" : " "}`,
  );
}

/** Runs the stage. */
export async function measureSlackStreaming(
  stack: { sqs: LocalSqs; secrets: FakeSecretsManager },
  drivers: { ingressLoad: string; workerPool: string },
  bundles: { ingress: string; worker: string },
  options: SlackStreamingOptions,
): Promise<SlackStreamingResult> {
  const [agentcore, slack] = await Promise.all([startAgentCore(), startSlack()]);
  const secretArn = stack.secrets.setSecret("bench/slack-streaming", {
    bot_token: DEFAULT_SLACK_TOKEN,
    signing_secret: DEFAULT_SIGNING_SECRET,
  }).arn;
  const errors: string[] = [];
  const lengths = new Map<string, number>();
  agentcore.setDefault((call: AgentCoreCall) => {
    const prompt = String((call.payload as { prompt?: unknown } | undefined)?.prompt ?? "");
    const marker = /k\d+w\d+m\d+/.exec(prompt)?.[0] ?? "unknown";
    return agentStreams.python(answerPieces(marker, lengths.get(marker) ?? 1), {
      chunkDelayMs: options.pieceMs,
    });
  });

  let batch = 0;
  interface Message {
    readonly marker: string;
    readonly channel: string;
    readonly thread: boolean;
  }
  /** Sends `messages` through the ingress and the worker; resolves once each is answered. */
  const run = async (
    messages: readonly Message[],
    env: Record<string, string>,
    seconds = options.agentSeconds,
    first = 0,
  ) => {
    const queue = await stack.sqs.createFifoPair(`bench-slack-streaming-${++batch}`);
    for (const [i, m] of messages.entries())
      lengths.set(m.marker, piecesFor(seconds, options.pieceMs, first + i));
    const handlerEnv = {
      ...awsTestEnv({ sqs: stack.sqs, secrets: stack.secrets, agentcore }),
      QUEUE_URL: queue.queueUrl,
      SECRET_ARN: secretArn,
      AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
      MAX_RECEIVE_COUNT: "3",
      ALLOWED_USERS: "*",
      SLACK_API_URL: slack.url,
      LOG_LEVEL: "warn",
      ...env,
    };
    const events = messages.map((m) => {
      const body = JSON.stringify(
        slackEventCallback(
          slackMessageEvent({
            text: m.marker,
            user: USER,
            channel: m.channel,
            ...(m.thread ? { threadTs: slackTs() } : {}),
          }),
        ),
      );
      return httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(body), body });
    });
    const timeoutMs = seconds * 1000 + 30_000;
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

  const ways: SlackStreamingWay[] = [
    "assistant thread, Slack's stream",
    "DM top level, updates",
    "assistant thread, whole (STREAM_REPLIES=false)",
  ];
  const samples = new Map(ways.map((w) => [w, [] as AnswerSample[]]));
  const shows = (c: SlackCall) =>
    SHOWS.has(c.method) && (c.response?.body as { ok?: boolean } | undefined)?.ok === true;
  /** Whether the call puts text on screen (a stream's start may carry none). */
  const withText = (c: SlackCall) =>
    c.method === "chat.stopStream" || String(c.params.text ?? c.params.markdown_text ?? "").trim() !== "";
  let dm = 0;
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const [w, way] of ways.entries()) {
        const messages = Array.from({ length: options.answers }, (_, i): Message => {
          dm += 1;
          return {
            marker: `k${round}w${w}m${i}`,
            channel: `D0BENCH${String(dm).padStart(4, "0")}`,
            thread: way !== "DM top level, updates",
          };
        });
        const env: Record<string, string> = way.includes("whole") ? { STREAM_REPLIES: "false" } : {};
        await run(messages, env, options.agentSeconds, round * options.answers);
        const into = samples.get(way);
        if (!into) continue;
        for (const m of messages) {
          const calls = slack.calls.filter((c) => c.params.channel === m.channel);
          const shown = calls.filter(shows);
          const limited = calls.filter((c) => c.response?.status === 429).length;
          const sample = sampleOf(
            round,
            askedFor(agentcore.invocations(), m.marker),
            { calls: shown.length, first: shown.find(withText), last: shown.at(-1) },
            limited,
          );
          if (sample) into.push(sample);
          else errors.push(`${way}: ${m.marker} got no answer`);
        }
      }
    }
    const long: LongAnswer[] = [];
    if (options.longSeconds > 0) {
      // Each alone: what one answer costs against the workspace's limits.
      for (const [w, way] of ways.slice(0, 2).entries()) {
        dm += 1;
        const m = { marker: `k0w${w}m99`, channel: `D0BENCH${String(dm).padStart(4, "0")}`, thread: w === 0 };
        // The rounds' calls are counted: a fresh workspace, its limits untouched.
        slack.reset();
        await run([m], {}, options.longSeconds);
        const calls = slack.calls.filter((c) => c.params.channel === m.channel);
        const method = w === 0 ? "chat.appendStream" : "chat.update";
        const max = SLACK_TIERS[method];
        long.push({
          way,
          seconds: options.longSeconds,
          calls: countBy(calls.filter(shows), (c) => c.method),
          limit: `${method}: ${max} a minute (Tier ${w === 0 ? 4 : 3})`,
          busiest: busiest(
            calls.filter((c) => c.method === method && shows(c)).map((c) => c.at),
            60_000,
          ),
          max,
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
    await Promise.all([agentcore.close(), slack.close()]);
  }
}
