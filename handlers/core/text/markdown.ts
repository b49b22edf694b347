import type { Align, Block, List, ListItem, Root, Table } from "./ast.ts";
import { type FenceOpen, isFenceClose, matchFenceOpen } from "./fence.ts";
import { parseInline } from "./inline.ts";

export type * from "./ast.ts";
export { parseInline } from "./inline.ts";

// Block-level Markdown as LLM agents write it: fences, ATX headings, quotes, lists, rules, GFM
// tables, paragraphs. Deliberately lenient where CommonMark is strict and agents are sloppy: any
// line indented past a list marker belongs to that item, fences may be indented, and `---` is always
// a rule (no setext headings). Indented code blocks are not recognised (they read as paragraphs).

/** Quote and list nesting deeper than this is kept as paragraph text. */
export const MAX_BLOCK_DEPTH = 12;

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ *>/;
const ITEM = /^( *)([-*+]|(\d{1,9})[.)])(?:([ \t]+)(.*))?$/;
const DELIMITER_ROW = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;

/** Parses Markdown into an mdast-shaped tree. Never throws; any character that is not syntax is kept. */
export function parseMarkdown(markdown: string): Root {
  return { type: "root", children: parseBlocks(markdown.replace(/\r\n?/g, "\n").split("\n"), 0) };
}

interface ItemStart {
  indent: number;
  ordered: boolean;
  start: number;
  contentIndent: number;
  content: string;
}

function matchItem(line: string): ItemStart | null {
  const m = ITEM.exec(line);
  if (!m) return null;
  const indent = m[1]?.length ?? 0;
  const marker = m[2] ?? "";
  const gap = m[4]?.length ?? 0;
  return {
    indent,
    ordered: m[3] !== undefined,
    start: m[3] === undefined ? 1 : Number(m[3]),
    contentIndent: indent + marker.length + (gap >= 1 && gap <= 4 ? gap : 1),
    content: gap > 4 ? `${" ".repeat(gap - 1)}${m[5] ?? ""}` : (m[5] ?? ""),
  };
}

const blank = (line: string | undefined) => line !== undefined && line.trim() === "";
const indentOf = (line: string) => line.length - line.trimStart().length;

/** Whether the line starts a block that ends a paragraph (or a lazy list line). */
function interrupts(lines: string[], i: number): boolean {
  const line = lines[i] ?? "";
  if (matchFenceOpen(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)) return true;
  const item = matchItem(line);
  // As in CommonMark, only a list starting at 1 (or a non-empty bullet) may interrupt a paragraph.
  if (item && item.content.trim() !== "" && (!item.ordered || item.start === 1)) return true;
  return isTableStart(lines, i);
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = matchFenceOpen(line);
    if (fence) {
      i = parseFence(lines, i, fence, blocks);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = (heading[2] ?? "").replace(/(?:^|[ \t]+)#+[ \t]*$/, "").trim();
      blocks.push({ type: "heading", depth: heading[1]?.length ?? 1, children: parseInline(text) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "thematicBreak" });
      i++;
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH && QUOTE.test(line)) {
      const inner: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i] ?? ""); i++) {
        inner.push((lines[i] ?? "").replace(/^ *> ?/, ""));
      }
      blocks.push({ type: "blockquote", children: parseBlocks(inner, depth + 1) });
      continue;
    }
    const item = depth < MAX_BLOCK_DEPTH ? matchItem(line) : null;
    if (item) {
      i = parseList(lines, i, item, depth, blocks);
      continue;
    }
    if (isTableStart(lines, i)) {
      i = parseTable(lines, i, blocks);
      continue;
    }
    const text: string[] = [line.trim()];
    for (i++; i < lines.length && !blank(lines[i]) && !interrupts(lines, i); i++) {
      text.push((lines[i] ?? "").trim());
    }
    blocks.push({ type: "paragraph", children: parseInline(text.join("\n")) });
  }
  return blocks;
}

/** A fenced code block from `start`; an unterminated fence runs to the end. */
function parseFence(lines: string[], start: number, open: FenceOpen, out: Block[]): number {
  const body: string[] = [];
  let i = start + 1;
  for (; i < lines.length && !isFenceClose(lines[i] ?? "", open); i++) {
    const line = lines[i] ?? "";
    body.push(line.slice(Math.min(open.indent, indentOf(line))));
  }
  const space = open.info.search(/\s/);
  const lang = space < 0 ? open.info : open.info.slice(0, space);
  const meta = space < 0 ? "" : open.info.slice(space).trim();
  out.push({ type: "code", lang: lang || null, meta: meta || null, value: body.join("\n") });
  return i + 1;
}

/** A list from `start`: items of one kind (bullet or ordered); lines indented past a marker nest. */
function parseList(lines: string[], start: number, first: ItemStart, depth: number, out: Block[]): number {
  const items: ListItem[] = [];
  let i = start;
  let item: ItemStart | null = first;
  while (item) {
    const indent = item.indent;
    const body = [item.content];
    let lazy = item.content.trim() !== "";
    for (i++; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (blank(line)) {
        let j = i + 1;
        while (blank(lines[j])) j++;
        const next = lines[j];
        if (next === undefined || indentOf(next) <= indent) break;
        // The blank lines belong to the item: take them all at once (no rescan per blank line).
        for (; i < j - 1; i++) body.push("");
        body.push("");
        lazy = false;
        continue;
      }
      const lineIndent = indentOf(line);
      if (lineIndent > indent) {
        body.push(line.slice(Math.min(lineIndent, item.contentIndent)));
        lazy = true;
      } else if (lazy && !interrupts(lines, i) && !matchItem(line)) {
        body.push(line.trim());
      } else {
        break;
      }
    }
    items.push({ type: "listItem", children: parseBlocks(body, depth + 1) });
    // The next item: the same kind of marker, after at most blank lines.
    let j = i;
    while (blank(lines[j])) j++;
    const next = RULE.test(lines[j] ?? "") ? null : matchItem(lines[j] ?? "");
    item = next && next.ordered === first.ordered ? next : null;
    if (item) i = j;
  }
  const list: List = { type: "list", ordered: first.ordered, start: first.start, children: items };
  out.push(list);
  return i;
}

function isTableStart(lines: string[], i: number): boolean {
  const header = lines[i] ?? "";
  const delimiter = lines[i + 1] ?? "";
  if (!header.includes("|") || !delimiter.includes("|") || !DELIMITER_ROW.test(delimiter)) return false;
  return splitCells(header).length === splitCells(delimiter).length;
}

/** Cells of a pipe-table row; `\|` is a literal pipe inside a cell. */
function splitCells(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function parseTable(lines: string[], start: number, out: Block[]): number {
  const align: Align[] = splitCells(lines[start + 1] ?? "").map((cell) => {
    const left = cell.startsWith(":");
    const right = cell.endsWith(":");
    return left && right ? "center" : right ? "right" : left ? "left" : null;
  });
  const rows = [splitCells(lines[start] ?? "")];
  let i = start + 2;
  for (; i < lines.length && (lines[i] ?? "").includes("|") && !blank(lines[i]); i++) {
    if (matchFenceOpen(lines[i] ?? "") || QUOTE.test(lines[i] ?? "")) break;
    rows.push(splitCells(lines[i] ?? ""));
  }
  const table: Table = {
    type: "table",
    align,
    children: rows.map((row) => ({
      type: "tableRow",
      children: row.map((cell) => ({ type: "tableCell", children: parseInline(cell) })),
    })),
  };
  out.push(table);
  return i;
}
