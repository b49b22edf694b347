import { describe, expect, test } from "bun:test";
import { parseEntities } from "../../../emulators/telegram-entities.ts";
import { markdownToDiscord } from "../../discord/format.ts";
import { markdownToSlackMrkdwn } from "../../slack/format.ts";
import { markdownToTelegramHtml } from "../../telegram/format.ts";
import { LONG_ANSWERS, SHORT_ANSWERS } from "../text/corpus.ts";
import { type Chunk, type SplitPoint, splitChunks } from "../text/split.ts";
import { START, viewOf } from "./view.ts";

const DIALECTS = [
  { name: "telegram", render: markdownToTelegramHtml, limit: 4096 },
  { name: "slack", render: markdownToSlackMrkdwn, limit: 4000 },
  { name: "discord", render: markdownToDiscord, limit: 2000 },
] as const;

/**
 * Streams `answer` in steps of `step` characters, as the views of its prefixes: the parts that froze on
 * the way (in order), every live part shown, and where the split stood at the end.
 */
function stream(answer: string, render: (md: string) => string, limit: number, step: number) {
  const frozen: Chunk[] = [];
  const lives: string[] = [];
  let from: SplitPoint = START;
  for (let end = step; end < answer.length + step; end += step) {
    const view = viewOf(answer.slice(0, end), render, limit, from);
    frozen.push(...view.frozen);
    lives.push(view.live);
    from = view.from;
  }
  return { frozen, lives };
}

describe("a stream's parts freeze where the whole answer is split: the final messages are the non-streaming ones", () => {
  for (const { name, render, limit } of DIALECTS) {
    test(`${name}: long answers past ${limit}, and short ones at small limits, every few characters`, () => {
      const cases = [
        ...LONG_ANSWERS.map((answer) => ({ answer, limit, step: 7 })),
        ...SHORT_ANSWERS.flatMap((answer) => [160, 300].map((small) => ({ answer, limit: small, step: 1 }))),
      ];
      for (const { answer, limit: max, step } of cases) {
        // Their text and their Markdown (with which Slack's streams end).
        const whole = splitChunks(answer, render, max);
        const { frozen, lives } = stream(answer, render, max, step);
        expect(frozen).toEqual(whole.slice(0, frozen.length));
        // Everything but the last part froze before the end.
        expect(frozen.length).toBeGreaterThanOrEqual(whole.length - 2);
        for (const live of lives) expect(live.length).toBeLessThanOrEqual(max);
        if (name === "telegram") {
          for (const live of lives) {
            const parsed = parseEntities(live, "HTML");
            if (!parsed.ok) throw new Error(`${live}: ${parsed.error}`);
          }
        }
      }
    });
  }
});

test("the live part: healed, nothing before there is anything to show", () => {
  const render = markdownToTelegramHtml;
  expect(viewOf("", render, 4096, START).live).toBe("");
  expect(viewOf("**", render, 4096, START).live).toBe("");
  expect(viewOf("Hello **wor", render, 4096, START)).toEqual({
    frozen: [],
    from: START,
    live: "Hello <b>wor</b>",
  });
  // Inside a code block cut in two, the live part reopens the block.
  const code = `\`\`\`ts\n${"const x = 1;\n".repeat(40)}`;
  const view = viewOf(`${code}const y`, render, 300, START);
  expect(view.frozen.length).toBeGreaterThan(0);
  expect(view.live).toStartWith('<pre><code class="language-ts">');
});
