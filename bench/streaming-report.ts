/**
 * The streaming sections of BENCHMARKS.md and their budget rows (bench/streaming.ts, slack-streaming.ts
 * and discord-streaming.ts take the figures): how soon a streamed answer shows on each platform, next to
 * the whole answer sent once written.
 */
import { table } from "./lib/markdown.ts";
import { num } from "./lib/stats.ts";
import { finalNoLater, type LongAnswer, type StreamedRow } from "./lib/streamed.ts";
import type { StreamingResult } from "./streaming.ts";

const ms = (value: number) => `${num(value)} ms`;

/** Telegram's budget rows (p99 beside the first visible text's p50, as its section has it). */
export function streamingBudgetRows(s: StreamingResult | undefined): string[][] {
  return channelStreamingBudgetRows("telegram", s, "p99");
}

/** The section. */
export function streamingSection(s: StreamingResult | undefined): string {
  if (!s) return "";
  const rows = s.rows.map((r) => [
    r.way,
    String(r.answers),
    ms(r.firstVisible.p50),
    ms(r.firstVisible.p99),
    ms(r.final.p50),
    ms(r.final.p99),
    num(r.callsPerAnswer.median),
    String(r.rateLimited),
  ]);
  const long = s.long.map((l) => [
    l.way,
    `${l.seconds} s`,
    String(l.drafts),
    String(l.messages),
    String(l.edits),
    String(l.messagesPerMinute),
    String(l.rateLimited),
  ]);
  return [
    `### Streamed answers on Telegram (${s.rounds} rounds; an agent streaming for ${s.agentSeconds} s, a piece every ${s.pieceMs} ms)`,
    "",
    "The real ingress and worker bundles in node processes, the agent and the fake Bot API (with its draft rules and flood control) in the bench's process; every answer in its own chat, all of a round's answers at once. *First visible*: the agent's first piece written → the first call that shows text in the chat reaching the Bot API. *Final*: the agent's last piece written → the call that brings the chat to the final text.",
    "",
    table(
      [
        "how the answer shows",
        "answers",
        "first visible p50",
        "p99",
        "final p50",
        "p99",
        "Bot API calls per answer",
        "429s",
      ],
      rows,
    ),
    ...(long.length > 0
      ? [
          "",
          "One long streamed answer per kind of chat, and the calls it made (Telegram: about 1 message a second in a private chat, 20 a minute in a group, edits counted as messages; drafts undocumented):",
          "",
          table(
            [
              "chat",
              "agent streaming",
              "drafts",
              "messages",
              "edits",
              "messages + edits in any minute",
              "429s",
            ],
            long,
          ),
        ]
      : []),
  ].join("\n");
}

/** A channel's streaming figures, as bench/streaming.ts, slack-streaming.ts and discord-streaming.ts return them. */
interface ChannelStreaming {
  readonly rounds: number;
  readonly agentSeconds: number;
  readonly pieceMs: number;
  readonly rows: readonly StreamedRow[];
  /** One long answer per way of streaming, and its calls. */
  readonly long?: readonly LongAnswer[];
}

const isWhole = (way: string) => way.includes("STREAM_REPLIES=false");

/**
 * A channel's budget rows: the first visible text ≤ 300 ms p50 (`tail` beside it); the final text no
 * later than the whole answer's (bench/lib/streamed.ts `finalNoLater`, the whole answer's per-round
 * p50s shown beside it).
 */
export function channelStreamingBudgetRows(
  channel: string,
  s: Pick<ChannelStreaming, "rows"> | undefined,
  tail: "p90" | "p99" = "p90",
): string[][] {
  if (!s) return [];
  const whole = s.rows.find((r) => isWhole(r.way));
  const rounds =
    whole && whole.finalByRound.length > 1 ? ` (its rounds ${whole.finalByRound.map(num).join(", ")})` : "";
  return s.rows
    .filter((r) => !isWhole(r.way) && r.answers > 0)
    .flatMap((r) => [
      [
        `${channel} streamed (${r.way}): agent's first text → first visible text, p50 (${tail})`,
        "≤ 300 ms",
        `${ms(r.firstVisible.p50)} (${ms(r.firstVisible[tail])})`,
        r.firstVisible.p50 <= 300 ? "met" : "**missed**",
      ],
      [
        `${channel} streamed (${r.way}): agent's last text → final text, p50, vs the whole answer's`,
        "no later",
        `${ms(r.final.p50)} vs ${whole ? `${ms(whole.final.p50)}${rounds}` : "—"}`,
        whole === undefined ? "—" : finalNoLater(r, whole) ? "met" : "**missed**",
      ],
    ]);
}

/** A channel's section: `title` names the channel, `how` says what was run. */
export function channelStreamingSection(title: string, how: string, s: ChannelStreaming): string {
  return [
    `### Streamed answers on ${title} (${s.rounds} rounds; an agent streaming for ${s.agentSeconds} s, a piece every ${s.pieceMs} ms)`,
    "",
    how,
    "",
    table(
      [
        "how the answer shows",
        "answers",
        "first visible p50",
        "p90",
        "p99",
        "final p50",
        "p99",
        "API calls per answer",
        "429s",
      ],
      s.rows.map((r) => [
        r.way,
        String(r.answers),
        ms(r.firstVisible.p50),
        ms(r.firstVisible.p90),
        ms(r.firstVisible.p99),
        ms(r.final.p50),
        ms(r.final.p99),
        num(r.callsPerAnswer.median),
        String(r.rateLimited),
      ]),
    ),
    ...(s.long && s.long.length > 0
      ? [
          "",
          "One long streamed answer per way, alone, and its calls against the limit that binds them:",
          "",
          table(
            ["how the answer shows", "agent streaming", "calls", "limit", "most in a window", "429s"],
            s.long.map((l) => [
              l.way,
              `${l.seconds} s`,
              Object.entries(l.calls)
                .map(([method, n]) => `${method} ${n}`)
                .join(", "),
              l.limit,
              `${l.busiest} of ${l.max}`,
              String(l.rateLimited),
            ]),
          ),
        ]
      : []),
  ].join("\n");
}

export const SLACK_STREAMING_HOW =
  "As for Telegram: the real ingress and worker bundles in node processes, the agent and the fake Web API (with its stream rules and tier limits) in the bench's process; every answer in its own DM, all of a round's answers at once. In an assistant thread Slack's own stream (chat.startStream, appendStream, then stopStream with the held-back rest and the metadata); at a DM's top level, where streams do not apply, a message posted and updated as it grows. *First visible*: the agent's first piece written → the first call that shows text reaching the Web API. *Final*: the agent's last piece written → the last call that changes the DM.";

export const DISCORD_STREAMING_HOW =
  "The real worker bundle in node processes, the agent and the fake Discord API (with its per-route rate limits) in the bench's process; every answer in its own channel, all of a round's answers at once, queued as the ingress (a deferred slash command) or the relay (a gateway message) queues it. *First visible*: the agent's first piece written → the first call that shows text reaching the API. *Final*: the agent's last piece written → the last call that changes the channel.";
