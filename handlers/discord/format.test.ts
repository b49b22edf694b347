import { describe, expect, test } from "bun:test";
import { renderChunks } from "../core/text/split.ts";
import { corpus, prng } from "../core/text/testing.ts";
import { escapeDiscord, markdownToDiscord as md } from "./format.ts";
import { DISCORD_LIMIT } from "./outbox.ts";

/** Discord's rule: a backslash before ASCII punctuation shows that character and hides itself. */
function shown(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}

describe("escapeDiscord", () => {
  test("markup characters show as written", () => {
    const raw = "a*b _c_ ~~d~~ `e` |f| <@123> [g] \\ 2 > 1";
    expect(escapeDiscord(raw)).toBe(
      "a\\*b \\_c\\_ \\~\\~d\\~\\~ \\`e\\` \\|f\\| \\<@123\\> \\[g\\] \\\\ 2 \\> 1",
    );
    expect(shown(escapeDiscord(raw))).toBe(raw);
  });

  test("line starts that Discord reads as headings, subtext or lists", () => {
    expect(escapeDiscord("# h\n-# sub\n- item\n+ item\n  3. three\n4) four\nnot # here, 5. nor here")).toBe(
      "\\# h\n\\-# sub\n\\- item\n\\+ item\n  3\\. three\n4\\) four\nnot # here, 5. nor here",
    );
  });

  test("bare URLs are left whole", () => {
    expect(escapeDiscord("see https://x.com/a_b_c*d and *this*")).toBe(
      "see https://x.com/a_b_c*d and \\*this\\*",
    );
  });
});

describe("markdownToDiscord", () => {
  test("inline formatting is Discord's own", () => {
    expect(md("**b** *i* ~~s~~ `c` __B__ _I_ ***both***")).toBe("**b** *i* ~~s~~ `c` **B** *I* ***both***");
  });

  test("code spans holding backticks", () => {
    expect(md("``a`b``")).toBe("`` a`b ``");
    expect(md("```` a``b ````")).toBe("`` aˋˋb ``");
  });

  test("links: masked when the text differs, bare when it is the URL, unsafe ones are text", () => {
    expect(md("[docs](https://x.y/a_(b)) <https://a.b>")).toBe("[docs](https://x.y/a_%28b%29) https://a.b");
    expect(md("[x](javascript:alert(1)) [file](/src/a.ts) <a@b.c>")).toBe("x file (/src/a.ts) a@b.c");
    expect(md("[**bold** link](https://x.y)")).toBe("[**bold** link](https://x.y)");
  });

  test("headings up to ###, rules as a line, blocks separated by a blank line", () => {
    expect(md("# T\ntext\n\n---\n\n#### Deep *it*")).toBe("# T\n\ntext\n\n———\n\n### Deep *it*");
  });

  test("code blocks: language kept when it is a word, fences inside cannot close them", () => {
    expect(md("```python\nprint('*hi*')\n```")).toBe("```python\nprint('*hi*')\n```");
    expect(md('```"><x\nbody\n```')).toBe("```\nbody\n```");
    expect(md("````\na\n```\nb\n````")).toBe("```\na\n``\u200b`\nb\n```");
    // A run of six once left three backticks standing together, closing the block early.
    expect(md("````\na``````b\n````")).toBe("```\na``\u200b``\u200b``b\n```");
  });

  test("lists: bullets by depth; a code block in an item keeps its content unindented", () => {
    expect(md("- a\n  - b\n\n3. x\n4. y")).toBe("• a\n  ◦ b\n\n3. x\n4. y");
    expect(md("1. run:\n   ```sh\n   make\n     all\n   ```\n2. done")).toBe(
      "1. run:\n   ```sh\nmake\n  all\n```\n2. done",
    );
  });

  test("quotes: one level, every line marked", () => {
    expect(md("> **Note:** a\n> > inner\n> - item")).toBe("> **Note:** a\n> \n> inner\n> \n> • item");
  });

  test("tables become a code block", () => {
    expect(md("| Name | Qty |\n|:--|--:|\n| **apple** | 3 |")).toBe(
      "```\nName  | Qty\n------+----\napple |   3\n```",
    );
  });
});

describe("property: rendering any input", () => {
  const inputs = corpus(77, 800);
  const rand = prng(9);
  const limits = [16, 40, 128, 500, DISCORD_LIMIT];

  test("never throws; chunks fit the limit, are not blank and keep code fences balanced", () => {
    for (const input of inputs) {
      const limit = limits[Math.floor(rand() * limits.length)] ?? DISCORD_LIMIT;
      for (const chunk of renderChunks(input, md, limit)) {
        expect(chunk.length).toBeLessThanOrEqual(limit);
        expect(chunk.trim()).not.toBe("");
        const fences = chunk.split("\n").filter((line) => /^\s*(?:> )?```/.test(line)).length;
        if (fences % 2 !== 0) throw new Error(`unbalanced fences (limit ${limit}): ${JSON.stringify(chunk)}`);
      }
    }
  });
});
