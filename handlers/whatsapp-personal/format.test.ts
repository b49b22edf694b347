import { describe, expect, test } from "bun:test";
import { renderChunks } from "../core/text/split.ts";
import { markdownToWhatsApp } from "./format.ts";

describe("markdownToWhatsApp", () => {
  test("emphasis uses WhatsApp's markers", () => {
    expect(markdownToWhatsApp("**bold**, *italic* and ~~gone~~")).toBe("*bold*, _italic_ and ~gone~");
  });

  test("headings become bold lines, links show their URL", () => {
    expect(markdownToWhatsApp("# Title\n\nSee [the docs](https://example.com/docs).")).toBe(
      "*Title*\n\nSee the docs (https://example.com/docs).",
    );
  });

  test("code spans and blocks are monospace; their content is kept verbatim", () => {
    expect(markdownToWhatsApp("run `ls *.ts`")).toBe("run `ls *.ts`");
    expect(markdownToWhatsApp("```ts\nconst a = 1;\n```")).toBe("```\nconst a = 1;\n```");
  });

  test("quotes and lists", () => {
    expect(markdownToWhatsApp("> quoted\n> twice")).toBe("> quoted\n> twice");
    expect(markdownToWhatsApp("- one\n- two")).toBe("• one\n• two");
  });

  test("plain text is passed through unchanged (WhatsApp has no escapes)", () => {
    expect(markdownToWhatsApp("1 < 2 & 3 > 2")).toBe("1 < 2 & 3 > 2");
  });

  test("long answers split into chunks of at most the limit", () => {
    const long = Array.from({ length: 200 }, (_, i) => `Line ${i} with **bold** words`).join("\n\n");
    const chunks = renderChunks(long, markdownToWhatsApp, 4096);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(4096);
    expect(chunks[0]).toStartWith("Line 0 with *bold* words");
  });
});
