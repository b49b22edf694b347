import { describe, expect, test } from "bun:test";
import { MAX_INLINE_DEPTH } from "./delimiters.ts";
import {
  type Block,
  type Inline,
  MAX_BLOCK_DEPTH,
  parseInline,
  parseMarkdown,
  type TableRow,
} from "./markdown.ts";
import { corpus } from "./testing.ts";

const text = (value: string): Inline => ({ type: "text", value });
/** A table row of cells. */
const row = (...cells: Inline[][]): TableRow => ({
  type: "tableRow",
  children: cells.map((children) => ({ type: "tableCell", children })),
});
/** The blocks of a document. */
const parse = (md: string): Block[] => parseMarkdown(md).children;

describe("parseInline", () => {
  test("bold, italic, strike, code", () => {
    expect(parseInline("**b** *i* __B__ _I_ ~~s~~ `c`")).toEqual([
      { type: "strong", children: [text("b")] },
      text(" "),
      { type: "emphasis", children: [text("i")] },
      text(" "),
      { type: "strong", children: [text("B")] },
      text(" "),
      { type: "emphasis", children: [text("I")] },
      text(" "),
      { type: "delete", children: [text("s")] },
      text(" "),
      { type: "inlineCode", value: "c" },
    ]);
  });

  test("nesting: ***both*** and **bold with *italic* inside**", () => {
    expect(parseInline("***x***")).toEqual([
      { type: "emphasis", children: [{ type: "strong", children: [text("x")] }] },
    ]);
    expect(parseInline("**a *b* c**")).toEqual([
      { type: "strong", children: [text("a "), { type: "emphasis", children: [text("b")] }, text(" c")] },
    ]);
  });

  test("unmatched markers stay literal", () => {
    expect(parseInline("**bold never closed")).toEqual([text("**bold never closed")]);
    expect(parseInline("a `code never closed")).toEqual([text("a `code never closed")]);
    expect(parseInline("5 * 3 * 2 and ~5 min and ~~~x~~~")).toEqual([
      text("5 * 3 * 2 and ~5 min and ~~~x~~~"),
    ]);
    expect(parseInline("[not a link] (x) [also](")).toEqual([text("[not a link] (x) [also](")]);
    // As CommonMark: the closer pairs with the nearest opener, what is left over stays literal.
    expect(parseInline("**a *b**")).toEqual([
      text("*"),
      { type: "emphasis", children: [text("a "), { type: "emphasis", children: [text("b")] }] },
    ]);
  });

  test("_ inside words is not emphasis, * is", () => {
    expect(parseInline("snake_case_name")).toEqual([text("snake_case_name")]);
    expect(parseInline("un*frigging*believable")[1]).toEqual({
      type: "emphasis",
      children: [text("frigging")],
    });
  });

  test("code spans: backtick runs, padding, no markup inside", () => {
    expect(parseInline("``a `b` c``")).toEqual([{ type: "inlineCode", value: "a `b` c" }]);
    expect(parseInline("` **x** `")).toEqual([{ type: "inlineCode", value: "**x**" }]);
    expect(parseInline("`a\nb`")).toEqual([{ type: "inlineCode", value: "a b" }]);
    expect(parseInline("`` ` ``")).toEqual([{ type: "inlineCode", value: "`" }]);
  });

  test("links, images, titles, autolinks", () => {
    expect(parseInline('[the *docs*](https://x.com/a_(b) "Title")')).toEqual([
      {
        type: "link",
        url: "https://x.com/a_(b)",
        title: "Title",
        children: [text("the "), { type: "emphasis", children: [text("docs")] }],
      },
    ]);
    expect(parseInline("![logo](https://x/l.png)")).toEqual([
      { type: "link", url: "https://x/l.png", children: [text("logo")] },
    ]);
    expect(parseInline("<https://a.b/c> <me@x.org>")).toEqual([
      { type: "link", url: "https://a.b/c", children: [text("https://a.b/c")] },
      text(" "),
      { type: "link", url: "mailto:me@x.org", children: [text("me@x.org")] },
    ]);
    expect(parseInline("[a [b] c](<u v>)")).toEqual([
      { type: "link", url: "u v", children: [text("a [b] c")] },
    ]);
  });

  test("bare URLs are text, and their _ or * is not emphasis", () => {
    expect(parseInline("see https://x.com/_a_/b*c* now")).toEqual([text("see https://x.com/_a_/b*c* now")]);
    expect(parseInline("_https://x.com/a_")).toEqual([
      { type: "emphasis", children: [text("https://x.com/a")] },
    ]);
  });

  test("backslash escapes", () => {
    expect(parseInline("\\*not\\* \\_x\\_ \\` \\\\ \\a")).toEqual([text("*not* _x_ ` \\ \\a")]);
  });

  test("deep nesting is capped and keeps the text", () => {
    const deep = `${"*a ".repeat(100)}x${" a*".repeat(100)}`;
    const nodes = parseInline(deep);
    expect(depth(nodes)).toBeLessThanOrEqual(MAX_INLINE_DEPTH + 1);
    expect(letters(nodes)).toBe(deep.replace(/[^\p{L}]/gu, ""));
  });
});

describe("parseMarkdown", () => {
  test("fences: language, meta, indentation, ~~~, unterminated", () => {
    expect(parse("```ts title=a.ts\nconst a = 1;\n```")).toEqual([
      { type: "code", lang: "ts", meta: "title=a.ts", value: "const a = 1;" },
    ]);
    expect(parse("~~~\n```\nx\n~~~\nafter")).toEqual([
      { type: "code", lang: null, meta: null, value: "```\nx" },
      { type: "paragraph", children: [text("after")] },
    ]);
    expect(parse("  ```py\n  a\n    b\n  ```")).toEqual([
      { type: "code", lang: "py", meta: null, value: "a\n  b" },
    ]);
    expect(parse("text\n```\nnever closed\n\n# not a heading")).toEqual([
      { type: "paragraph", children: [text("text")] },
      { type: "code", lang: null, meta: null, value: "never closed\n\n# not a heading" },
    ]);
  });

  test("headings, rules, paragraphs with line breaks", () => {
    expect(parse("# One #\n###### Six\n#hashtag\n---\na\nb  \nc")).toEqual([
      { type: "heading", depth: 1, children: [text("One")] },
      { type: "heading", depth: 6, children: [text("Six")] },
      { type: "paragraph", children: [text("#hashtag")] },
      { type: "thematicBreak" },
      { type: "paragraph", children: [text("a\nb\nc")] },
    ]);
  });

  test("block quotes nest and hold other blocks", () => {
    expect(parse("> a\n> > b\n> - c")).toEqual([
      {
        type: "blockquote",
        children: [
          { type: "paragraph", children: [text("a")] },
          { type: "blockquote", children: [{ type: "paragraph", children: [text("b")] }] },
          {
            type: "list",
            ordered: false,
            start: 1,
            children: [{ type: "listItem", children: [{ type: "paragraph", children: [text("c")] }] }],
          },
        ],
      },
    ]);
  });

  test("lists: bullets, ordered with start, nesting by indentation", () => {
    const [list] = parse("- a\n- b\n  - c\n    1. d\n- e\n\n3. x\n4. y");
    expect(list).toEqual({
      type: "list",
      ordered: false,
      start: 1,
      children: [
        { type: "listItem", children: [{ type: "paragraph", children: [text("a")] }] },
        {
          type: "listItem",
          children: [
            { type: "paragraph", children: [text("b")] },
            {
              type: "list",
              ordered: false,
              start: 1,
              children: [
                {
                  type: "listItem",
                  children: [
                    { type: "paragraph", children: [text("c")] },
                    {
                      type: "list",
                      ordered: true,
                      start: 1,
                      children: [
                        { type: "listItem", children: [{ type: "paragraph", children: [text("d")] }] },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
        { type: "listItem", children: [{ type: "paragraph", children: [text("e")] }] },
      ],
    });
    expect(parse("- a\n- b\n\n3. x\n4. y")[1]).toMatchObject({
      type: "list",
      ordered: true,
      start: 3,
    });
  });

  test("lists: two-space nesting under '1.', code in an item, lazy lines", () => {
    const [list] = parse("1. step\n  - sub\n2. run:\n   ```sh\n   make\n   ```\n3. long\nlazy line");
    expect(list).toMatchObject({ type: "list", ordered: true, children: [{}, {}, {}] });
    if (list?.type !== "list") throw new Error("no list");
    expect(list.children[0]?.children[1]).toMatchObject({ type: "list", ordered: false });
    expect(list.children[1]?.children[1]).toEqual({ type: "code", lang: "sh", meta: null, value: "make" });
    expect(list.children[2]?.children[0]).toEqual({ type: "paragraph", children: [text("long\nlazy line")] });
  });

  test("a paragraph is interrupted by a list, but not by '2024. was'", () => {
    expect(parse("Options:\n- a\n- b").map((b) => b.type)).toEqual(["paragraph", "list"]);
    expect(parse("In\n2024. was a year").map((b) => b.type)).toEqual(["paragraph"]);
  });

  test("tables: header, alignment, escaped pipes, ragged rows; interrupting a paragraph", () => {
    const blocks = parse("Intro\n| a | b \\| c |\n|:--|--:|\n| 1 | `2` | extra |\n| 3 |\nafter");
    // Unlike GFM, a row needs a pipe: "after" is a paragraph again.
    expect(blocks.map((b) => b.type)).toEqual(["paragraph", "table", "paragraph"]);
    expect(blocks[1]).toEqual({
      type: "table",
      align: ["left", "right"],
      children: [
        row([text("a")], [text("b | c")]),
        row([text("1")], [{ type: "inlineCode", value: "2" }], [text("extra")]),
        row([text("3")]),
      ],
    });
    expect(parse("a | b\n--- | ---\nc | d")[0]).toMatchObject({ type: "table" });
    expect(parse("a | b\n---")[0]).toMatchObject({ type: "paragraph" });
  });

  test("Windows line endings, tabs and whitespace-only input", () => {
    expect(parse("# T\r\n\r\n- a\r\n- b\r\n")).toEqual(parse("# T\n\n- a\n- b\n"));
    expect(parse("")).toEqual([]);
    expect(parse(" \n\t\n  ")).toEqual([]);
    expect(parse("```go\nfunc f() {\n\treturn\n}\n```")[0]).toMatchObject({
      value: "func f() {\n\treturn\n}",
    });
  });

  test("deep quotes and lists stop nesting at MAX_BLOCK_DEPTH but keep the text", () => {
    const md = `${">".repeat(200)} deep`;
    const blocks = parse(md);
    expect(blockDepth(blocks)).toBeLessThanOrEqual(MAX_BLOCK_DEPTH + 1);
    expect(blockLetters(blocks)).toBe("deep");
  });

  test("property: never throws, keeps every letter in order, bounded depth", () => {
    for (const md of corpus(1, 2000)) {
      const blocks = parse(md);
      const source = md.replace(/[^\p{L}]/gu, "");
      expect(isSubsequence(source, blockLetters(blocks))).toBe(true);
      expect(blockDepth(blocks)).toBeLessThanOrEqual(MAX_BLOCK_DEPTH + 1);
    }
  });

  test("adversarial inputs parse in (near) linear time", () => {
    const cases = [
      "[a](".repeat(20_000),
      "[a](<".repeat(20_000),
      '[a](b "'.repeat(10_000),
      "[".repeat(50_000),
      "![".repeat(25_000),
      `${"*a ".repeat(20_000)}b${" a*".repeat(20_000)}`,
      "_a ".repeat(20_000),
      Array.from({ length: 300 }, (_, i) => "`".repeat(i + 1)).join(" x "),
      "https://x.com/a_b ".repeat(10_000),
      `- a${"\n".repeat(50_000)}  b`,
      Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}- item`).join("\n"),
      ">".repeat(50_000),
      "| a |\n|---|\n".repeat(10_000),
    ];
    // Backtracking would take minutes here; the test's timeout is the clock, not a timing assertion.
    for (const md of cases) expect(parse(md).length).toBeGreaterThan(0);
  }, 30_000);
});

function depth(nodes: Inline[]): number {
  return Math.max(
    0,
    ...nodes.map((n) => (n.type === "text" || n.type === "inlineCode" ? 0 : 1 + depth(n.children))),
  );
}

function blockDepth(blocks: Block[]): number {
  return Math.max(
    0,
    ...blocks.map((b) =>
      b.type === "blockquote"
        ? 1 + blockDepth(b.children)
        : b.type === "list"
          ? 1 + Math.max(0, ...b.children.map((i) => blockDepth(i.children)))
          : 0,
    ),
  );
}

/** Letters of inline nodes in source order: text, code, link text then URL and title. */
function letters(nodes: Inline[]): string {
  let out = "";
  for (const n of nodes) {
    if (n.type === "text" || n.type === "inlineCode") out += n.value;
    else if (n.type === "link") out += letters(n.children) + n.url + (n.title ?? "");
    else out += letters(n.children);
  }
  return out.replace(/[^\p{L}]/gu, "");
}

function blockLetters(blocks: Block[]): string {
  let out = "";
  for (const b of blocks) {
    if (b.type === "paragraph" || b.type === "heading") out += letters(b.children);
    else if (b.type === "code") out += `${b.lang ?? ""}${b.meta ?? ""}${b.value}`.replace(/[^\p{L}]/gu, "");
    else if (b.type === "blockquote") out += blockLetters(b.children);
    else if (b.type === "list") for (const item of b.children) out += blockLetters(item.children);
    else if (b.type === "table")
      for (const row of b.children) for (const cell of row.children) out += letters(cell.children);
  }
  return out;
}

function isSubsequence(needle: string, hay: string): boolean {
  let j = 0;
  for (let i = 0; i < hay.length && j < needle.length; i++) if (hay[i] === needle[j]) j++;
  return j === needle.length;
}
