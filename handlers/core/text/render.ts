import type { Block, Inline, List, Table } from "./ast.ts";
import { parseMarkdown } from "./markdown.ts";

/**
 * How one output format spells each construct. `renderMarkdown` walks the AST and does the layout
 * every chat platform shares (blank line between blocks, "• item" lists indented by nesting,
 * tables as aligned text); a dialect only escapes and wraps.
 */
export interface Dialect {
  /** Escapes plain text. */
  text(value: string): string;
  /** An inline code span; `inLink` inside a link's text. */
  code(value: string, inLink: boolean): string;
  strong(inner: string): string;
  emphasis(inner: string): string;
  strike(inner: string): string;
  /** A link; `inner` is the rendered link text, "" when the Markdown had none. */
  link(url: string, inner: string): string;
  heading(inner: string, depth: number): string;
  /** A fenced code block (never empty). */
  codeBlock(value: string, lang: string): string;
  /** A block quote; `nested` when inside another quote. */
  blockquote(inner: string, nested: boolean): string;
  /** A table, already laid out as aligned plain text. */
  table(text: string): string;
  /** A thematic break. */
  readonly hr: string;
  /** Indents every line but the first by `pad` (default: after each "\n"); override to spare <pre>. */
  indent?(body: string, pad: string): string;
  /** Bullets of unordered lists by nesting depth, cycling (default {@link BULLETS}). */
  readonly bullets?: readonly string[];
}

/** List bullets by nesting depth (cycling). */
export const BULLETS = ["•", "◦", "▪"] as const;

interface Context {
  readonly quote: number;
  readonly list: number;
}

/** Parses Markdown and renders it with a dialect, e.g. `renderMarkdown("**hi**", html)`. */
export function renderMarkdown(markdown: string, dialect: Dialect): string {
  return renderBlocks(parseMarkdown(markdown), dialect);
}

/** Renders blocks, separated by a blank line. */
export function renderBlocks(
  blocks: Block[],
  dialect: Dialect,
  ctx: Context = { quote: 0, list: 0 },
): string {
  return join(blocks, dialect, ctx, "\n\n");
}

function join(blocks: Block[], dialect: Dialect, ctx: Context, separator: string): string {
  let out = "";
  for (const block of blocks) {
    const text = renderBlock(block, dialect, ctx);
    if (text === "") continue;
    out += out === "" ? text : separator + text;
  }
  return out;
}

function renderBlock(block: Block, d: Dialect, ctx: Context): string {
  switch (block.type) {
    case "paragraph":
      return renderInline(block.children, d);
    case "heading": {
      const inner = renderInline(block.children, d);
      return inner === "" ? "" : d.heading(inner, block.depth);
    }
    case "codeBlock":
      return block.value.trim() === "" ? "" : d.codeBlock(block.value, block.lang);
    case "blockquote": {
      const inner = renderBlocks(block.children, d, { ...ctx, quote: ctx.quote + 1 });
      return inner === "" ? "" : d.blockquote(inner, ctx.quote > 0);
    }
    case "list":
      return renderList(block, d, ctx);
    case "hr":
      return d.hr;
    case "table":
      return d.table(tableText(block));
  }
}

function renderList(list: List, d: Dialect, ctx: Context): string {
  const inner = { ...ctx, list: ctx.list + 1 };
  const lines: string[] = [];
  for (const [k, item] of list.items.entries()) {
    const bullets = d.bullets ?? BULLETS;
    const marker = list.ordered ? `${list.start + k}.` : (bullets[ctx.list % bullets.length] ?? "•");
    const body = join(item.children, d, inner, "\n");
    const pad = " ".repeat(marker.length + 1);
    lines.push(
      body === ""
        ? marker
        : `${marker} ${d.indent ? d.indent(body, pad) : body.replaceAll("\n", `\n${pad}`)}`,
    );
  }
  return lines.join("\n");
}

/** Renders inline nodes; `inLink` inside a link's text (platforms do not nest links or code in them). */
export function renderInline(nodes: Inline[], d: Dialect, inLink = false): string {
  let out = "";
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        out += d.text(node.value);
        break;
      case "code":
        out += d.code(node.value, inLink);
        break;
      case "link":
        out += d.link(node.url, renderInline(node.children, d, true));
        break;
      default: {
        const inner = renderInline(node.children, d, inLink);
        if (inner !== "") out += d[node.type](inner);
      }
    }
  }
  return out;
}

/** The text of inline nodes without markup; a link's URL follows in parentheses unless it is the text. */
export function inlineText(nodes: Inline[]): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text" || node.type === "code") {
      out += node.value;
    } else if (node.type === "link") {
      const text = inlineText(node.children);
      out += linkText(text, node.url);
    } else {
      out += inlineText(node.children);
    }
  }
  return out;
}

/** "text (url)", or just one of them when the other is empty or the same (mailto: dropped). */
export function linkText(text: string, url: string): string {
  const shown = url.replace(/^mailto:/i, "");
  if (text === "" || text === url || text === shown) return text || shown;
  return shown === "" ? text : `${text} (${shown})`;
}

/** A table as monospace text: columns padded to equal width, a rule under the header row. */
export function tableText(table: Table): string {
  const rows = table.rows.map((row) => row.map((cell) => inlineText(cell).replace(/\s+/g, " ")));
  const widths: number[] = [];
  for (const row of rows) {
    for (const [c, cell] of row.entries()) widths[c] = Math.max(widths[c] ?? 1, width(cell));
  }
  const line = (row: string[]) =>
    widths
      .map((w, c) => pad(row[c] ?? "", w, table.align[c] ?? null))
      .join(" | ")
      .trimEnd();
  const [header = [], ...body] = rows;
  return [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...body.map(line)].join("\n");
}

function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number, align: Table["align"][number]): string {
  const gap = w - width(s);
  if (align === "right") return " ".repeat(gap) + s;
  if (align === "center") return " ".repeat(gap >> 1) + s + " ".repeat(gap - (gap >> 1));
  return s + " ".repeat(gap);
}
