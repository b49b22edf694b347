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
import type { LocalSqs } from "../emulators/sqs.ts";
import { runChild } from "./lib/node.ts";
import { type Distribution, distribution, type Summary, summarize } from "./lib/stats.ts";

/** The ways an answer shows on Slack. */
export type SlackStreamingWay =
  | "assistant thread, Slack's stream"
  | "DM top level, updates"
  | "assistant thread, whole (STREAM_REPLIES=false)";

/** One way's figures over every round. */
export interface SlackStreamingRow {
  readonly way: SlackStreamingWay;
  readonly answers: number;
  /** Agent's first piece → first visible text, ms. */
  readonly firstVisible: Distribution;
  /** Agent's last piece → final text, ms. */
  readonly final: Distribution;
  /** Web API calls per answer that change the DM (posts, updates, stream calls). */
  readonly callsPerAnswer: Summary;
  /** 429s the fake Web API answered. */
  readonly rateLimited: number;
}

export interface SlackStreamingResult {
  readonly rounds: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  readonly rows: SlackStreamingRow[];
  readonly errors: string[];
}

export interface SlackStreamingOptions {
  readonly rounds: number;
  /** Messages per way and round, each in its own DM, all at once. */
  readonly answers: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
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
  const run = async (messages: readonly Message[], env: Record<string, string>) => {
    const queue = await stack.sqs.createFifoPair(`bench-slack-streaming-${++batch}`);
    for (const m of messages)
      lengths.set(m.marker, Math.max(1, Math.round((options.agentSeconds * 1000) / options.pieceMs) + 1));
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
    const timeoutMs = options.agentSeconds * 1000 + 30_000;
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
  const samples = new Map(
    ways.map((w) => [w, { first: [] as number[], final: [] as number[], calls: [] as number[], limited: 0 }]),
  );
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
        await run(messages, way.includes("whole") ? { STREAM_REPLIES: "false" } : {});
        const into = samples.get(way);
        if (!into) continue;
        for (const m of messages) {
          const calls = slack.calls.filter((c) => c.params.channel === m.channel);
          const asked = agentcore
            .invocations()
            .find((c) =>
              String((c.payload as { prompt?: unknown } | undefined)?.prompt ?? "").includes(m.marker),
            );
          const shown = calls.filter(shows);
          const first = shown.find(withText);
          const last = shown.at(-1);
          if (!asked?.repliedAt || !first || !last) {
            errors.push(`${way}: ${m.marker} got no answer`);
            continue;
          }
          into.first.push(first.at - asked.at);
          // From the agent's real last piece (the fake's clock), which a busy machine delays past its schedule.
          into.final.push(last.at - asked.repliedAt);
          into.calls.push(shown.length);
          into.limited += calls.filter((c) => c.response?.status === 429).length;
        }
      }
    }
    return {
      rounds: options.rounds,
      agentSeconds: options.agentSeconds,
      pieceMs: options.pieceMs,
      rows: ways.map((way) => {
        const s = samples.get(way) ?? { first: [], final: [], calls: [], limited: 0 };
        return {
          way,
          answers: s.first.length,
          firstVisible: distribution(s.first),
          final: distribution(s.final),
          callsPerAnswer: summarize(s.calls),
          rateLimited: s.limited,
        };
      }),
      errors: [...new Set(errors)],
    };
  } finally {
    await Promise.all([agentcore.close(), slack.close()]);
  }
}
