import { describe, expect, test } from "bun:test";
import { renderChunks } from "../core/text/split.ts";
import { corpus, prng } from "../core/text/testing.ts";
import { markdownToSlackMrkdwn as mrkdwn } from "./format.ts";

const LINK = /<(?:https?:\/\/|mailto:)[^\s<>|]+(?:\|[^<>]*)?>/y;
const ENTITY = /&(?:amp|lt|gt);/y;
const QUOTE_LEAD = /^[ \t]*(?:(?:[•◦▪]|\d+\.)[ \t]+)*$/;

/** Slack's control characters used only as Slack means them; fences balanced. Null when fine. */
function mrkdwnProblem(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === "&") {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) return `bare & at ${i}`;
    } else if (c === "<") {
      LINK.lastIndex = i;
      const m = LINK.exec(s);
      if (!m) return `raw < at ${i}`;
      i += m[0].length - 1;
    } else if (c === ">") {
      const lineStart = s.lastIndexOf("\n", i - 1) + 1;
      // A quote marker: at the start of a line, or of a list item's text.
      const before = s.slice(lineStart, i);
      if (!QUOTE_LEAD.test(before) || s.charAt(i + 1) !== " ") return `raw > at ${i}`;
    }
  }
  const fences = s.match(/```/g)?.length ?? 0;
  return fences % 2 === 0 ? null : "unbalanced ```";
}

test("the mrkdwn checker itself catches what Slack would misread", () => {
  expect(mrkdwnProblem("*a* <https://x.y|docs> &amp; &lt;\n> quote\n```\ncode\n```")).toBeNull();
  for (const bad of ["a & b", "a < b", "a > b", "<!channel>", "<@U1>", "```\nx", "<javascript:x|y>"]) {
    expect(mrkdwnProblem(bad)).not.toBeNull();
  }
});

describe("markdownToSlackMrkdwn", () => {
  test("escapes only &, < and >; mentions and specials cannot be forged", () => {
    expect(mrkdwn(`a & b < c > d "e" 'f'`)).toBe(`a &amp; b &lt; c &gt; d "e" 'f'`);
    expect(mrkdwn("<!channel> <@U123> &amp;")).toBe("&lt;!channel&gt; &lt;@U123&gt; &amp;amp;");
  });

  test("inline formatting", () => {
    expect(mrkdwn("**b** *i* ~~s~~ `c & d` __B__ _I_")).toBe("*b* _i_ ~s~ `c &amp; d` *B* _I_");
    expect(mrkdwn("***both***")).toBe("_*both*_");
  });

  test("links: <url|text>, <url> when the text is the URL; unsafe or relative ones are text", () => {
    expect(mrkdwn("[docs](https://x.com/?a=1&b=2|3)")).toBe("<https://x.com/?a=1&amp;b=2%7C3|docs>");
    expect(mrkdwn("<https://a.b> [](https://x.y)")).toBe("<https://a.b> <https://x.y>");
    expect(mrkdwn("[x](javascript:alert(1)) [y](data:text/html,hi) [file](/src/app.ts)")).toBe(
      "x y file (/src/app.ts)",
    );
    expect(mrkdwn("[`npm i` **now**](https://npmjs.com)")).toBe("<https://npmjs.com|npm i *now*>");
  });

  test("headings are bold, rules are a line, blocks are separated by a blank line", () => {
    expect(mrkdwn("# Title\ntext\n\n---\n\n## Sub *it*")).toBe("*Title*\n\ntext\n\n———\n\n*Sub _it_*");
  });

  test("code blocks: no language (Slack has none), escaped, a ``` inside broken up", () => {
    expect(mrkdwn("```python\nif a < b: print('&')\n```")).toBe("```\nif a &lt; b: print('&amp;')\n```");
    expect(mrkdwn("`````\nx ```` y\n`````")).toBe("```\nx ``\u200b`` y\n```");
    expect(mrkdwn("```\n\n```")).toBe("");
  });

  test("lists, and a code block in a list item not indented inside the block", () => {
    expect(mrkdwn("- a\n- b\n  - c\n\n3. x\n4. y\n   more")).toBe("• a\n• b\n  ◦ c\n\n3. x\n4. y\n   more");
    expect(mrkdwn("1. run:\n   ```sh\n   make\n     all\n   ```\n2. done")).toBe(
      "1. run:\n   ```\nmake\n  all\n```\n2. done",
    );
  });

  test("quotes: one level, inner quotes flattened", () => {
    expect(mrkdwn("> **Note:** a\n> > inner\n> - item")).toBe("> *Note:* a\n> \n> inner\n> \n> • item");
  });

  test("tables become aligned preformatted text", () => {
    expect(mrkdwn("| Name | Qty |\n|:--|--:|\n| **apple** | 3 |\n| kiwi & co | 12 |")).toBe(
      "```\nName      | Qty\n----------+----\napple     |   3\nkiwi &amp; co |  12\n```",
    );
  });
});

describe("property: rendering any input", () => {
  const inputs = corpus(77, 2000);
  const rand = prng(11);
  const limits = [16, 24, 64, 200, 1000, 4000];

  test("never throws; output uses <, > and & only as Slack means them; chunks fit and stay balanced", () => {
    for (const md of inputs) {
      const out = mrkdwn(md);
      const problem = mrkdwnProblem(out);
      if (problem) throw new Error(`${problem}\nin: ${JSON.stringify(md)}\nout: ${JSON.stringify(out)}`);
      const limit = limits[Math.floor(rand() * limits.length)] ?? 16;
      for (const chunk of renderChunks(md, mrkdwn, limit)) {
        // Plain checks, not expect(): hundreds of thousands of them would dominate the run time.
        const chunkProblem =
          chunk.length > limit ? "too long" : chunk.trim() === "" ? "blank" : mrkdwnProblem(chunk);
        if (chunkProblem)
          throw new Error(`${chunkProblem} (limit ${limit}) in chunk ${JSON.stringify(chunk)}`);
      }
    }
  }, 30_000);
});
