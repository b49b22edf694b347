import { describe, expect, test } from "bun:test";
import { parseEntities } from "../../../emulators/telegram-entities.ts";
import { markdownToDiscord } from "../../discord/format.ts";
import { markdownToSlackMrkdwn } from "../../slack/format.ts";
import { markdownToTelegramHtml } from "../../telegram/format.ts";
import { htmlToText } from "../../telegram/outbox.ts";
import { SHORT_ANSWERS } from "./corpus.ts";
import { heal } from "./heal.ts";

describe("what is open at the end is closed", () => {
  test.each([
    ["Some **bold te", "Some **bold te**"],
    ["Some *it", "Some *it*"],
    ["Some _it", "Some _it_"],
    ["gone ~~wro", "gone ~~wro~~"],
    ["run `npm i", "run `npm i`"],
    ["**bold and *both", "**bold and *both***"],
    ["**bold** done", "**bold** done"],
    ["trailing space **bold ", "trailing space **bold**"],
  ])("%p → %p", (input, output) => {
    expect(heal(input)).toBe(output);
  });
});

describe("what cannot show as it will yet is held back", () => {
  test.each([
    ["see *", "see "],
    ["see **", "see "],
    ["a \\", "a "],
    ["see [the docs", "see the docs"],
    ["see [the docs]", "see the docs"],
    ["see [the docs](https://exa", "see the docs"],
    ["see [the docs](https://example.com/a_(b) more", "see the docs"],
    ["see [the docs](https://example.com/a_(b)) more", "see [the docs](https://example.com/a_(b)) more"],
    ["at <https://docs.aws", "at "],
    ["Intro\n\n#", "Intro\n\n"],
    ["Intro\n\n-", "Intro\n\n"],
    ["Intro\n\n1.", "Intro\n\n"],
    ["Intro\n\n``", "Intro\n\n"],
    ["Intro\n\n--", "Intro\n\n"],
    ["Intro\n\n| a | b |\n| 1 | 2 |", "Intro\n\n"],
    ["Intro\n\n| a | b |\n| - | - |\n| 1 | 2 |\n| 3 |", "Intro\n\n| a | b |\n| - | - |\n| 1 | 2 |\n"],
    ["Code:\n\n```pyth", "Code:\n\n"],
    ["Code:\n\n```python\nprint(1)\n``", "Code:\n\n```python\nprint(1)\n"],
    ["Code:\n\n```python\nprint(1)\nx = 2", "Code:\n\n```python\nprint(1)\nx = 2"],
  ])("%p → %p", (input, output) => {
    expect(heal(input)).toBe(output);
  });

  test("words with markers inside stay as they are: snake_case, 2 * 3, bare URLs", () => {
    for (const text of ["call my_function_name", "so 2 * 3 = 6", "see https://x.y/a_b_c"]) {
      expect(heal(text)).toBe(text);
    }
  });

  test("a paragraph before the last one is left alone (only the end of the answer is unfinished)", () => {
    expect(heal("a *literal star\n\nnext **bo")).toBe("a *literal star\n\nnext **bo**");
    expect(heal("- item *one\n- item **two")).toBe("- item *one\n- item **two**");
  });

  test("a complete answer is itself", () => {
    for (const answer of SHORT_ANSWERS) expect(heal(`${answer}\n`)).toBe(`${answer}\n`);
  });
});

/** Every prefix of the corpus, healed and rendered for each platform. */
const prefixes = SHORT_ANSWERS.flatMap((answer) =>
  Array.from({ length: answer.length }, (_, i) => ({ answer, prefix: answer.slice(0, i + 1) })),
);

describe("every prefix of real answers renders well on every platform", () => {
  test("Telegram: HTML the Bot API accepts", () => {
    for (const { prefix } of prefixes) {
      const html = markdownToTelegramHtml(heal(prefix));
      const parsed = parseEntities(html, "HTML");
      if (!parsed.ok) throw new Error(`${JSON.stringify(prefix)} → ${html}: ${parsed.error}`);
    }
  });

  test("Slack and Discord: code fences and spans balanced, no unmatched ** outside code", () => {
    for (const { prefix } of prefixes) {
      const healed = heal(prefix);
      for (const out of [markdownToSlackMrkdwn(healed), markdownToDiscord(healed)]) {
        const unescaped = out.replace(/\\[\s\S]/g, "");
        const fences = unescaped.split("```");
        if (fences.length % 2 === 0) throw new Error(`unbalanced fence: ${JSON.stringify(prefix)} → ${out}`);
        const outside = fences.filter((_, i) => i % 2 === 0).join(" ");
        const spans = outside.split("`");
        if (spans.length % 2 === 0) throw new Error(`unbalanced code: ${JSON.stringify(prefix)} → ${out}`);
        const prose = spans.filter((_, i) => i % 2 === 0).join(" ");
        if ((prose.match(/\*\*/g) ?? []).length % 2 === 1)
          throw new Error(`unbalanced **: ${JSON.stringify(prefix)} → ${JSON.stringify(out)}`);
      }
    }
  });

  test("no flicker: what a prefix shows is the start of what the whole answer shows (tables aside: they realign)", () => {
    const shown = (md: string) => htmlToText(markdownToTelegramHtml(md)).replace(/\s+/g, " ").trim();
    for (const { answer, prefix } of prefixes) {
      if (answer.includes("| ---")) continue;
      const now = shown(heal(prefix));
      const final = shown(answer);
      if (!final.startsWith(now)) throw new Error(`${JSON.stringify(prefix)} shows ${JSON.stringify(now)}`);
    }
  });
});
