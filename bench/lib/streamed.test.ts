import { expect, test } from "bun:test";
import type { AgentCoreCall } from "../../emulators/agentcore.ts";
import {
  type AnswerSample,
  busiest,
  countBy,
  finalNoLater,
  piecesFor,
  sampleOf,
  streamedRow,
} from "./streamed.ts";

const sample = (round: number, final: number): AnswerSample => ({
  round,
  first: 20,
  final,
  calls: 3,
  limited: round === 0 ? 1 : 0,
});

test("a way's row: distributions over every answer, the final's p50 per round, 429s summed", () => {
  const row = streamedRow("drafts", [
    sample(1, 30),
    sample(0, 10),
    sample(0, 12),
    sample(1, 31),
    sample(0, 14),
  ]);
  expect(row.answers).toBe(5);
  expect(row.final.p50).toBe(14);
  expect(row.finalByRound).toEqual([12, 30]);
  expect(row.callsPerAnswer.median).toBe(3);
  expect(row.rateLimited).toBe(3);
});

test("the final text is no later when within the whole answer's spread between rounds, and later beyond it", () => {
  const whole = streamedRow("whole", [
    ...[10, 18, 19].map((final) => sample(0, final)),
    ...[11, 12, 13].map((final) => sample(1, final)),
  ]);
  expect(whole.final.p50).toBe(12);
  expect(whole.finalByRound).toEqual([18, 12]);
  const at = (final: number) => streamedRow("stream", [sample(0, final)]);
  expect(finalNoLater(at(11), whole)).toBe(true);
  expect(finalNoLater(at(17), whole)).toBe(true);
  expect(finalNoLater(at(19), whole)).toBe(false);
  expect(finalNoLater(at(45), whole)).toBe(false);
});

test("the busiest window of calls, and calls counted by method in order of first use", () => {
  expect(busiest([0, 500, 900, 1_000, 5_000], 1_000)).toBe(3);
  expect(busiest([], 60_000)).toBe(0);
  expect(countBy(["b", "a", "b"], (m) => m)).toEqual({ b: 2, a: 1 });
  expect(Object.keys(countBy(["b", "a", "b"], (m) => m))).toEqual(["b", "a"]);
});

test("answers' lengths spread over a second of pieces, the same for every way", () => {
  expect([0, 1, 9, 10, 14].map((n) => piecesFor(5, 100, n))).toEqual([51, 52, 60, 51, 55]);
  expect(piecesFor(0, 100, 0)).toBe(1);
});

test("an answer's sample from the fakes' times; none when the agent never finished or nothing showed", () => {
  const asked = { at: 1_000, repliedAt: 6_000 } as AgentCoreCall;
  const shown = { calls: 4, first: { at: 1_020 }, last: { at: 6_005 } };
  expect(sampleOf(2, asked, shown, 1)).toEqual({ round: 2, first: 20, final: 5, calls: 4, limited: 1 });
  expect(sampleOf(0, { at: 1_000 } as AgentCoreCall, shown, 0)).toBeUndefined();
  expect(sampleOf(0, asked, { calls: 0 }, 0)).toBeUndefined();
  expect(sampleOf(0, undefined, shown, 0)).toBeUndefined();
});
