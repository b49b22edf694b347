import { describe, expect, test } from "bun:test";
import { renderChunks } from "../core/text/split.ts";
import { corpus, prng } from "../core/text/testing.ts";
import { markdownToTelegramHtml as html, markdownToPlainText } from "./format.ts";

const TAG = /<(\/?)([a-z]+)((?: [a-z]+="[^"<>]*")*)>/y;
const ENTITY = /&(?:amp|lt|gt|quot);/y;

/** Telegram's HTML rules: documented tags only, balanced, nested as Telegram allows; null when fine. */
function htmlProblem(s: string): string | null {
  const stack: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === ">") return `raw > at ${i}`;
    if (c === "&") {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) return `bare & at ${i}`;
      continue;
    }
    if (c !== "<") continue;
    TAG.lastIndex = i;
    const m = TAG.exec(s);
    if (!m) return `raw < at ${i}`;
    const [all, closing, name = "", attrs] = m;
    i += all.length - 1;
    if (closing) {
      if (stack.pop() !== name) return `</${name}> closes the wrong tag at ${i}`;
      continue;
    }
    const top = stack.at(-1);
    if (!["b", "i", "s", "u", "code", "pre", "a", "blockquote"].includes(name)) return `<${name}>`;
    if (name === "a" ? !/^ href="[^"]+"$/.test(attrs ?? "") : name === "code" ? false : attrs !== "") {
      return `attributes of <${name}>: ${attrs}`;
    }
    if (
      name === "code" &&
      attrs !== "" &&
      (top !== "pre" || !/^ class="language-[\w#+.-]+"$/.test(attrs ?? ""))
    ) {
      return `code class outside pre: ${attrs}`;
    }
    if (top === "code" || (top === "pre" && name !== "code")) return `<${name}> inside <${top}>`;
    if (stack.includes("a") && ["a", "code", "pre", "blockquote"].includes(name))
      return `<${name}> inside <a>`;
    if (name === "blockquote" && stack.includes("blockquote")) return "nested blockquote";
    if (name === "pre" && stack.some((t) => t !== "blockquote"))
      return `<pre> inside <${stack.join(">, <")}>`;
    stack.push(name);
  }
  return stack.length === 0 ? null : `unclosed <${stack.join(">, <")}>`;
}

test("the HTML checker itself catches what Telegram rejects", () => {
  expect(htmlProblem('<b>x</b> <a href="u">y</a> <pre><code class="language-js">z</code></pre>')).toBeNull();
  for (const bad of [
    "<b>x</i>",
    "<b>x",
    "a < b",
    "a > b",
    "a & b",
    "<span>x</span>",
    '<a href="u"><code>x</code></a>',
    "<blockquote><blockquote>x</blockquote></blockquote>",
    '<code class="language-js">x</code>',
    "<pre><b>x</b></pre>",
    "<b><pre>x</pre></b>",
    '<b class="x">y</b>',
  ]) {
    expect(htmlProblem(bad)).not.toBeNull();
  }
});

describe("markdownToTelegramHtml", () => {
  test("escapes only &, < and > in text", () => {
    expect(html(`a & b < c > d "e" 'f'`)).toBe(`a &amp; b &lt; c &gt; d "e" 'f'`);
    expect(html("&amp; <b>not a tag</b>")).toBe("&amp;amp; &lt;b&gt;not a tag&lt;/b&gt;");
  });

  test("inline formatting", () => {
    expect(html("**b** *i* ~~s~~ `c & d` __B__ _I_")).toBe(
      "<b>b</b> <i>i</i> <s>s</s> <code>c &amp; d</code> <b>B</b> <i>I</i>",
    );
    expect(html("***both***")).toBe("<i><b>both</b></i>");
  });

  test("unterminated bold, code and fence stay readable", () => {
    expect(html("**bold never closed")).toBe("**bold never closed");
    expect(html("a `b")).toBe("a `b");
    expect(html("text\n```js\nlet a = 1 < 2;")).toBe(
      'text\n\n<pre><code class="language-js">let a = 1 &lt; 2;</code></pre>',
    );
  });

  test("links: safe ones become <a>, with quotes escaped in href; others are text", () => {
    expect(html('[docs](https://x.com/?a=1&b="2")')).toBe(
      '<a href="https://x.com/?a=1&amp;b=&quot;2&quot;">docs</a>',
    );
    expect(html("<https://a.b>")).toBe('<a href="https://a.b">https://a.b</a>');
    expect(html("[x](javascript:alert(1)) [y](data:text/html,hi) [z](JavaScript:void)")).toBe("x y z");
    expect(html("[file](/src/app.ts) [mail](mailto:a@b.c) <a@b.c>")).toBe(
      "file (/src/app.ts) mail (a@b.c) a@b.c",
    );
    expect(html("[](https://x.y)")).toBe('<a href="https://x.y">https://x.y</a>');
    expect(html("see https://x.com/a_b_c")).toBe("see https://x.com/a_b_c");
  });

  test("code inside a link is plain text (Telegram cannot nest them)", () => {
    expect(html("[`npm i` **now**](https://npmjs.com)")).toBe(
      '<a href="https://npmjs.com">npm i <b>now</b></a>',
    );
  });

  test("headings are bold, rules are a line, blocks are separated by a blank line", () => {
    expect(html("# Title\ntext\n\n---\n\n## Sub *it*")).toBe(
      "<b>Title</b>\n\ntext\n\n———\n\n<b>Sub <i>it</i></b>",
    );
  });

  test("code blocks: language class when it is a plain word, escaped content", () => {
    expect(html("```python\nif a < b and c > d: print('&')\n```")).toBe(
      "<pre><code class=\"language-python\">if a &lt; b and c &gt; d: print('&amp;')</code></pre>",
    );
    expect(html("```\nplain\n```")).toBe("<pre>plain</pre>");
    expect(html('```"><script>\nx\n```')).toBe("<pre>x</pre>");
    expect(html("```c++\nx\n```")).toBe('<pre><code class="language-c++">x</code></pre>');
    expect(html("```\n\n```")).toBe("");
  });

  test("lists: bullets by depth, numbers from the start, continuation indented", () => {
    expect(html("- a\n- b\n  - c\n    - d\n\n3. x\n4. y\n   more")).toBe(
      "• a\n• b\n  ◦ c\n    ▪ d\n\n3. x\n4. y\n   more",
    );
  });

  test("a code block in a list item is not indented inside <pre>", () => {
    expect(html("1. run:\n   ```sh\n   make\n     all\n   ```\n2. done")).toBe(
      '1. run:\n   <pre><code class="language-sh">make\n  all</code></pre>\n2. done',
    );
  });

  test("blockquotes: formatting inside, nested quotes flattened", () => {
    expect(html("> **Note:** a\n> > inner\n> - item")).toBe(
      "<blockquote><b>Note:</b> a\n\ninner\n\n• item</blockquote>",
    );
  });

  test("tables become aligned <pre> text", () => {
    expect(html("| Name | Qty |\n|:--|--:|\n| **apple** | 3 |\n| kiwi & co | 12 |")).toBe(
      "<pre>Name      | Qty\n----------+----\napple     |   3\nkiwi &amp; co |  12</pre>",
    );
  });

  test("Windows line endings and whitespace-only input", () => {
    expect(html("**a**\r\n\r\n- b\r\n- c")).toBe("<b>a</b>\n\n• b\n• c");
    expect(html(" \n\t ")).toBe("");
  });
});

describe("markdownToPlainText", () => {
  test("markup removed, URLs in parentheses, code as is", () => {
    expect(markdownToPlainText("# T\n\n**b** _i_ [docs](https://x.y) `a < b` <https://q.r>")).toBe(
      "T\n\nb i docs (https://x.y) a < b https://q.r",
    );
    expect(markdownToPlainText("```js\nconst a = `x`;\n```\n\n> quoted\n>\n> more\n\n- one\n  - two")).toBe(
      "const a = `x`;\n\n│ quoted\n│\n│ more\n\n• one\n  ◦ two",
    );
  });
});

describe("property: rendering any input", () => {
  const inputs = corpus(99, 2500);
  const rand = prng(5);
  const limits = [16, 20, 32, 64, 128, 500, 4096];

  test("never throws; HTML is well-formed with only Telegram's tags; chunks fit the limit", () => {
    for (const md of inputs) {
      const out = html(md);
      const problem = htmlProblem(out);
      if (problem) throw new Error(`${problem}\nin: ${JSON.stringify(md)}\nout: ${JSON.stringify(out)}`);
      markdownToPlainText(md);
      const limit = limits[Math.floor(rand() * limits.length)] ?? 16;
      for (const chunk of renderChunks(md, html, limit)) {
        expect(chunk.length).toBeLessThanOrEqual(limit);
        expect(chunk.trim()).not.toBe("");
        const chunkProblem = htmlProblem(chunk);
        if (chunkProblem)
          throw new Error(`${chunkProblem} (limit ${limit}) in chunk ${JSON.stringify(chunk)}`);
      }
    }
  });
});
