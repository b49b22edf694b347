import { describe, expect, test } from "bun:test";
import { cutAll } from "./cutter.ts";
import { type FenceOpen, isFenceClose, matchFenceOpen } from "./fence.ts";
import { MIN_SPLIT_LIMIT, renderChunks, splitChunks } from "./split.ts";
import { corpus, prng, SAMPLE_ANSWER } from "./testing.ts";

const nonSpace = (s: string) => s.replace(/\s+/g, "");
/** Whether a fence opened in the chunk is still open at its end. */
function openFenceAtEnd(chunk: string): boolean {
  let open: FenceOpen | null = null;
  for (const line of chunk.split("\n")) {
    if (!open) open = matchFenceOpen(line);
    else if (isFenceClose(line, open)) open = null;
  }
  return open !== null;
}

/** The Markdown chunks themselves: renderChunks with a render that changes nothing. */
const splitText = (text: string, limit: number) => renderChunks(text, (md) => md, limit);

const wellFormed = (s: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("renderChunks: where Markdown is cut", () => {
  test("short text is one chunk; empty and blank text give none", () => {
    expect(splitText("hello", 4096)).toEqual(["hello"]);
    expect(splitText("", 4096)).toEqual([]);
    expect(splitText(" \n\t\r\n  \n", 4096)).toEqual([]);
    // Leading blank lines go, the indentation of the first line stays (it may be a nested item).
    expect(splitText("\n\n  hello  \n\n", 4096)).toEqual(["  hello"]);
  });

  test("limit below the minimum is a RangeError naming the value", () => {
    expect(() => splitText("x", 15)).toThrow(RangeError);
    expect(() => splitText("x", 3)).toThrow(/got 3/);
    expect(() => splitText("x", Number.NaN)).toThrow(/got NaN/);
    expect(() => splitText("x", 20.5)).toThrow(RangeError);
    expect(() => splitText("x", 0)).toThrow(/renderChunks: limit must be an integer ≥ 16, got 0/);
    expect(splitText("x", MIN_SPLIT_LIMIT)).toEqual(["x"]);
  });

  test("prefers blank lines, then line breaks, then spaces", () => {
    const para = "aaaa bbbb\ncccc dddd";
    expect(splitText(`${para}\n\n${para}`, 30)).toEqual([para, para]);
    expect(splitText("one two three\nfour five six", 20)).toEqual(["one two three", "four five six"]);
    expect(splitText("one two three four five six seven", 20)).toEqual([
      "one two three four",
      "five six seven",
    ]);
  });

  test("a blank line in the first half loses to a line break in the second half", () => {
    const text = `Title\n\n${"word ".repeat(5)}\n${"more ".repeat(20)}`;
    const [first] = splitText(text, 40);
    expect(first).toBe("Title\n\nword word word word word");
  });

  test("a word longer than the limit is cut hard, and indentation is kept after a line break", () => {
    expect(splitText("x".repeat(40), 16)).toEqual(["x".repeat(16), "x".repeat(16), "x".repeat(8)]);
    expect(splitText("- item one here\n  - nested item", 20)).toEqual(["- item one here", "  - nested item"]);
  });

  test("never splits a surrogate pair or an emoji cluster at the cut", () => {
    for (const unit of ["😀", "👨‍👩‍👧", "🇺🇸", "e\u0301", "日本"]) {
      const text = unit.repeat(30);
      for (const limit of [16, 17, 23]) {
        const chunks = splitText(text, limit);
        expect(chunks.join("")).toBe(text);
        for (const chunk of chunks) {
          expect(chunk.length).toBeLessThanOrEqual(limit);
          expect(wellFormed(chunk)).toBe(true);
          if (unit !== "日本") expect(chunk.length % unit.length).toBe(0);
        }
      }
    }
    // A cluster longer than the whole room still never splits a surrogate pair.
    for (const chunk of splitText("👨‍👩‍👧‍👦".repeat(4), 16)) expect(wellFormed(chunk)).toBe(true);
  });

  test("a code block longer than the limit is closed and reopened with its language", () => {
    const code = Array.from({ length: 40 }, (_, i) => `line_${i} = ${i}`).join("\n");
    const chunks = splitText(`Intro\n\n\`\`\`python\n${code}\n\`\`\`\n\nAfter.`, 120);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(120);
    expect(chunks[0]?.startsWith("Intro\n\n```python\nline_0 = 0")).toBe(true);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith("\n```")).toBe(true);
    for (const chunk of chunks.slice(1)) expect(chunk.startsWith("```python\n")).toBe(true);
    expect(chunks.at(-1)?.endsWith("```\n\nAfter.")).toBe(true);
    const bodies = chunks.map((c) => c.replace(/^```python\n/, "").replace(/\n```(?:\n\nAfter\.)?$/, ""));
    expect(bodies.join("\n").replace("Intro\n\n```python\n", "")).toBe(code);
  });

  test("fences keep their characters and indentation; ~~~ and long fences too", () => {
    const text = `1. step\n   ~~~~sh\n${"   echo hello world\n".repeat(10)}   ~~~~`;
    const chunks = splitText(text, 80);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(1)) expect(chunk.startsWith("   ~~~~sh\n")).toBe(true);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith("\n   ~~~~")).toBe(true);
  });

  test("no empty code block: a cut never falls right after an opening fence or before a closing one", () => {
    const text = `${"words ".repeat(8)}\n\`\`\`js\n${"x();\n".repeat(30)}\`\`\`\n${"tail ".repeat(8)}`;
    for (let limit = 30; limit < 120; limit++) {
      for (const chunk of splitText(text, limit)) {
        expect(chunk.length).toBeLessThanOrEqual(limit);
        expect(chunk).not.toMatch(/```js\n```/);
        expect(chunk).not.toMatch(/```js$/);
      }
    }
  });

  test("an unterminated fence at the end stays as it was", () => {
    expect(splitText("text\n```js\nconst a = 1;", 4096)).toEqual(["text\n```js\nconst a = 1;"]);
    const chunks = splitText(`\`\`\`js\n${"a();\n".repeat(20)}`, 40);
    expect(chunks.at(-1)?.endsWith("a();")).toBe(true);
    expect(chunks[0]?.endsWith("\n```")).toBe(true);
  });

  test("Windows line endings become \\n", () => {
    expect(splitText("a\r\nb\r\n\r\nc", 4096)).toEqual(["a\nb\n\nc"]);
    expect(splitText("aaaa bbbb\r\n\r\ncccc dddd", 16)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });
});

describe("renderChunks", () => {
  test("re-splits a chunk whose rendering grows past the limit", () => {
    const escapeAmp = (s: string) => s.replace(/&/g, "&amp;");
    const text = "& ".repeat(100);
    const chunks = renderChunks(text, escapeAmp, 50);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(50);
    expect(chunks.join(" ").replace(/\s+/g, "")).toBe("&amp;".repeat(100));
  });

  test("drops chunks that render to nothing, and survives a render that always overflows", () => {
    expect(renderChunks("a\n\nb", (s) => (s === "a" ? "" : s), 4096)).toEqual(["a\n\nb"]);
    expect(
      renderChunks(`${"x".repeat(20)}\n\n${"y".repeat(20)}`, (s) => (s.startsWith("x") ? "" : s), 24),
    ).toEqual(["y".repeat(20)]);
    const huge = renderChunks("abc def", (s) => `${s}${"!".repeat(40)}`, 16);
    for (const chunk of huge) expect(chunk.length).toBeLessThanOrEqual(16);
  });
});

test("splitChunks: each chunk with the Markdown it renders from; a chunk cut below the smallest size has none", () => {
  const upper = (md: string) => md.toUpperCase();
  const chunks = splitChunks(SAMPLE_ANSWER, upper, 300);
  expect(chunks.map((c) => c.text)).toEqual(renderChunks(SAMPLE_ANSWER, upper, 300));
  for (const chunk of chunks) expect(upper(chunk.markdown ?? "")).toBe(chunk.text);
  // Every character renders 40 long: the 16-character chunk is cut again, smaller, its pieces no chunk's.
  const cut = splitChunks("abcdefghijklmnopqrstuvwxyz", (s) => s.repeat(40).slice(0, 40 * s.length), 80);
  expect(cut.length).toBeGreaterThan(1);
  for (const chunk of cut) expect(chunk.markdown).toBeUndefined();
});

describe("property: splitting any input", () => {
  const inputs = corpus(42, 2500);
  const rand = prng(7);
  const limits = [16, 17, 24, 40, 64, 100, 300, 1000, 4096];

  test("never throws; chunks fit, are non-blank and well-formed; the source text is all there, in order", () => {
    for (const text of inputs) {
      const limit = limits[Math.floor(rand() * limits.length)] ?? 16;
      const segments = cutAll(text, limit);
      for (const { open, body, close } of segments) {
        expect(open.length + body.length + close.length).toBeLessThanOrEqual(limit);
        expect(body.trim()).not.toBe("");
        if (wellFormed(text)) expect(wellFormed(open + body + close)).toBe(true);
        if (open) expect(matchFenceOpen(open.slice(0, -1))).not.toBeNull();
        if (close) expect(close).toMatch(/^\n *(`{3,}|~{3,})$/);
      }
      expect(nonSpace(segments.map((s) => s.body).join(""))).toBe(nonSpace(text));
      expect(splitText(text, limit)).toEqual(segments.map((s) => s.open + s.body + s.close));
    }
  }, 60_000); // thousands of inputs: seconds on a loaded 2-core machine

  test("every chunk but the last closes the code blocks it opens (short lines, any order of blocks)", () => {
    const lines = SAMPLE_ANSWER.split("\n");
    for (let k = 0; k < 400; k++) {
      // Whole lines shuffled, repeated and dropped: fences end up anywhere, some never closed.
      const picked = Array.from(
        { length: 20 + Math.floor(rand() * 200) },
        () => lines[Math.floor(rand() * lines.length)],
      );
      const text = picked.join("\n");
      const limit = [200, 300, 500, 1000][k % 4] ?? 200;
      const chunks = splitText(text, limit);
      for (const chunk of chunks.slice(0, -1)) expect(openFenceAtEnd(chunk)).toBe(false);
      const withoutFences = (s: string) => nonSpace(s.replace(/```(?:bash)?/g, ""));
      expect(withoutFences(chunks.join("\n"))).toBe(withoutFences(text));
    }
  });

  // A parser or splitter that backtracks would take minutes on these; a linear one, well under a second.
  // The test's timeout is the only clock: timing assertions do not belong in tests on a loaded machine.
  test("adversarial inputs (50–200 kB of unclosed links, runs of markers, blank lines) end, and split", () => {
    const cases = [
      "[a](".repeat(20_000),
      "[a](<".repeat(20_000),
      "[".repeat(50_000),
      `${"*a ".repeat(20_000)}b${" a*".repeat(20_000)}`,
      Array.from({ length: 300 }, (_, i) => "`".repeat(i + 1)).join(" x "),
      "word".repeat(50_000),
      "https://x.com/a_b ".repeat(10_000),
      `- a${"\n".repeat(50_000)}  b`,
      `\`\`\`${"\n".repeat(50_000)}x\n\`\`\``,
      ">".repeat(50_000),
    ];
    for (const text of cases) {
      const chunks = renderChunks(text, (md) => md.replace(/&/g, "&amp;"), 4096);
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(4096);
      expect(splitText(text, 16).length).toBeGreaterThan(0);
    }
  }, 30_000);
});
