import { describe, expect, test } from "bun:test";
import {
  blocks,
  finishedBlocks,
  firstThenRest,
  hold,
  LONG_ANSWER,
  measure,
  PAIR_RATE_MS,
  written,
} from "./whatsapp-stream.ts";

describe("finishedBlocks", () => {
  test("a paragraph ends at its blank line; the last block never ends before the answer does", () => {
    // An end is where the blank line after the block starts.
    expect(finishedBlocks("One.\n\nTwo")).toEqual(["One.\n".length]);
    expect(finishedBlocks("One.\n")).toEqual([]);
  });

  test("never inside a code fence, blank lines in it or not", () => {
    const md = "Code:\n\n```sh\nmake\n\nmake install\n```\n\nDone.";
    const ends = finishedBlocks(md);
    expect(ends).toEqual(["Code:\n".length, md.indexOf("\n\nDone") + 1]);
    expect(finishedBlocks("```\na\n\nb\n")).toEqual([]);
  });

  test("a list ends only once the next line shows it does not go on", () => {
    const list = "- a\n\n- b\n\n";
    expect(finishedBlocks(list)).toEqual([]);
    expect(finishedBlocks(`${list}  more of b\n\nText\n`)).toEqual([`${list}  more of b\n`.length]);
  });

  test("every prefix of an answer agrees with the whole: a finished block stays finished where it ended", () => {
    const whole = finishedBlocks(`${LONG_ANSWER}\n\nEnd.`);
    for (let i = 0; i <= LONG_ANSWER.length; i += 7) {
      for (const end of finishedBlocks(LONG_ANSWER.slice(0, i))) expect(whole).toContain(end);
    }
  });
});

describe("strategies", () => {
  const pieces = written(LONG_ANSWER, 240);

  test("hold: one message once written; blocks: the same text in several, none cut inside a fence", () => {
    expect(measure(hold(pieces))).toMatchObject({ messages: 1, first: measure(hold(pieces)).last });
    const shown = blocks(pieces);
    expect(shown.length).toBeGreaterThan(3);
    for (const message of shown) expect((message.text.match(/```/g) ?? []).length % 2).toBe(0);
    expect(shown.map((s) => s.text).join("\n\n")).toBe(hold(pieces)[0]?.text ?? "");
  });

  test("paired blocks keep Meta's 6 s between messages; first-then-rest sends two", () => {
    expect(measure(blocks(pieces, PAIR_RATE_MS)).tooClose).toBe(0);
    const two = firstThenRest(pieces);
    expect(two).toHaveLength(2);
    expect((two[1]?.at ?? 0) - (two[0]?.at ?? 0)).toBeGreaterThanOrEqual(PAIR_RATE_MS);
  });
});
