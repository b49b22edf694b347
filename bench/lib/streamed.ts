/**
 * The figures of streamed answers, the same for every channel's streaming bench (bench/streaming.ts,
 * bench/slack-streaming.ts, bench/discord-streaming.ts): each answer timed by the fakes, summed up per
 * way of showing it, and the one comparison the budget makes.
 */
import type { AgentCoreCall } from "../../emulators/agentcore.ts";
import { type Distribution, distribution, percentile, type Summary, summarize } from "./stats.ts";

/** One answer as the fake agent and the fake platform timed it. */
export interface AnswerSample {
  readonly round: number;
  /** Agent's first piece → first visible text, ms. */
  readonly first: number;
  /** Agent's last piece → final text, ms. */
  readonly final: number;
  /** Platform calls that changed the chat (drafts, messages, edits, stream calls). */
  readonly calls: number;
  /** 429s the fake platform answered. */
  readonly limited: number;
}

/** The fake agent's call for the message carrying `marker` (in its prompt). */
export function askedFor(invocations: readonly AgentCoreCall[], marker: string): AgentCoreCall | undefined {
  return invocations.find((c) =>
    String((c.payload as { prompt?: unknown } | undefined)?.prompt ?? "").includes(marker),
  );
}

/**
 * One answer's sample from what the fakes saw: the agent's call, the calls that changed the chat, the
 * first of them with text and the one that brought the final text, and the 429s; undefined when the
 * answer never came.
 */
export function sampleOf(
  round: number,
  asked: AgentCoreCall | undefined,
  shown: { readonly calls: number; readonly first?: { at: number }; readonly last?: { at: number } },
  limited: number,
): AnswerSample | undefined {
  const { first, last } = shown;
  if (!asked?.repliedAt || !first || !last) return undefined;
  return {
    round,
    first: first.at - asked.at,
    // From the agent's real last piece (the fake's clock), which a busy machine delays past its schedule.
    final: last.at - asked.repliedAt,
    calls: shown.calls,
    limited,
  };
}

/** One way's figures over every round. */
export interface StreamedRow<Way extends string = string> {
  readonly way: Way;
  readonly answers: number;
  /** Agent's first piece → first visible text, ms. */
  readonly firstVisible: Distribution;
  /** Agent's last piece → final text, ms. */
  readonly final: Distribution;
  /** The final text's p50 in each round, in round order: how much the same way varies within one run. */
  readonly finalByRound: readonly number[];
  /** Platform calls per answer that changed the chat. */
  readonly callsPerAnswer: Summary;
  /** 429s the fake platform answered. */
  readonly rateLimited: number;
}

/** The row of `way` from its answers' samples. */
export function streamedRow<Way extends string>(
  way: Way,
  samples: readonly AnswerSample[],
): StreamedRow<Way> {
  const rounds = [...new Set(samples.map((s) => s.round))].sort((a, b) => a - b);
  return {
    way,
    answers: samples.length,
    firstVisible: distribution(samples.map((s) => s.first)),
    final: distribution(samples.map((s) => s.final)),
    finalByRound: rounds.map((round) =>
      percentile(
        samples
          .filter((s) => s.round === round)
          .map((s) => s.final)
          .sort((a, b) => a - b),
        50,
      ),
    ),
    callsPerAnswer: summarize(samples.map((s) => s.calls)),
    rateLimited: samples.reduce((sum, s) => sum + s.limited, 0),
  };
}

/**
 * Whether a streamed answer's final text came no later than the whole answer's: its p50 at most the
 * whole answer's p50, or at most the slowest of the whole answer's per-round p50s. Both end the same way
 * (the answer recorded, then its message), so a difference inside the whole answer's own spread between
 * rounds of this run is the machine's, not the stream's; a stream that holds the final text up (a call
 * still in flight, an update waiting out a 429) lands beyond it.
 */
export function finalNoLater(streamed: StreamedRow, whole: StreamedRow): boolean {
  return streamed.final.p50 <= Math.max(whole.final.p50, ...whole.finalByRound);
}

/** The calls of one long streamed answer against the limit that binds it. */
export interface LongAnswer {
  readonly way: string;
  readonly seconds: number;
  /** Calls that changed the chat, by method or route. */
  readonly calls: Readonly<Record<string, number>>;
  /** The limit that binds these calls, e.g. "chat.update: 50 a minute (Tier 3)". */
  readonly limit: string;
  /** The most calls under that limit in any of its windows. */
  readonly busiest: number;
  /** At most this many in a window. */
  readonly max: number;
  /** 429s the fake platform answered. */
  readonly rateLimited: number;
}

/** The most of `times` (ms) in any window of `windowMs`. */
export function busiest(times: readonly number[], windowMs: number): number {
  return Math.max(0, ...times.map((at) => times.filter((t) => t >= at && t < at + windowMs).length));
}

/** The methods (or routes) of `calls` and how often each came, in the order they first came. */
export function countBy<T>(calls: readonly T[], name: (call: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[name(call)] = (counts[name(call)] ?? 0) + 1;
  return counts;
}

/**
 * How many pieces the `n`th answer of a way streams (counted from 0 over the rounds): `seconds` worth at
 * one per `pieceMs`, and `n` modulo a second's worth more. A platform's pace is whole seconds or half
 * seconds, and pieces every 100 ms for exactly 5 s put every answer's last words on a pace tick, with a
 * live update still in flight when the agent is done; a real agent stops anywhere in a tick. Spread over
 * a second, the answers' ends fall at every point of it, as often as each other.
 */
export function piecesFor(seconds: number, pieceMs: number, n: number): number {
  const perSecond = Math.max(1, Math.round(1000 / pieceMs));
  return Math.max(1, Math.round((seconds * 1000) / pieceMs) + 1 + (n % perSecond));
}
