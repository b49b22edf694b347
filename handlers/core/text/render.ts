import type { Block, Inline, List, Table } from "./ast.ts";
import { isWebLink, linkText, unlinked } from "./links.ts";
import { parseMarkdown } from "./markdown.ts";

/**
 * How one output format spells each construct. `renderMarkdown` walks the AST and does what every
 * chat platform shares: the layout (blank line between blocks, "• item" lists indented by nesting
 * without touching code blocks, tables as aligned text) and the link rule (links.ts: only http(s) URLs
 * become links). A dialect escapes text, spells each construct, and flattens what its platform lacks
 * (nested quotes, code inside a link).
 */
export interface Dialect {
  /** Escapes plain text. */
  text(value: string): string;
  /** An inline code span; `inLink` inside a link's text. */
  code(value: string, inLink: boolean): string;
  strong(inner: string): string;
  emphasis(inner: string): string;
  strike(inner: string): string;
  /** A link to an http(s) URL (links.ts); `inner` is the rendered link text, "" when the Markdown had none. */
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
  /**
   * Where the output holds code blocks and tables verbatim (`<pre>…</pre>`, ```…```): their lines keep
   * their indentation under a list item. Without it every line is indented.
   */
  readonly verbatim?: RegExp;
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
  return renderBlocks(parseMarkdown(markdown).children, dialect);
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
    case "code":
      return block.value.trim() === "" ? "" : d.codeBlock(block.value, block.lang ?? "");
    case "blockquote": {
      const inner = renderBlocks(block.children, d, { ...ctx, quote: ctx.quote + 1 });
      return inner === "" ? "" : d.blockquote(inner, ctx.quote > 0);
    }
    case "list":
      return renderList(block, d, ctx);
    case "thematicBreak":
      return d.hr;
    case "table":
      return d.table(tableText(block));
  }
}

function renderList(list: List, d: Dialect, ctx: Context): string {
  const inner = { ...ctx, list: ctx.list + 1 };
  const lines: string[] = [];
  for (const [k, item] of list.children.entries()) {
    const bullets = d.bullets ?? BULLETS;
    const marker = list.ordered ? `${list.start + k}.` : (bullets[ctx.list % bullets.length] ?? "•");
    const body = join(item.children, d, inner, "\n");
    const pad = " ".repeat(marker.length + 1);
    lines.push(body === "" ? marker : `${marker} ${indent(body, pad, d.verbatim)}`);
  }
  return lines.join("\n");
}

/** Indents every line of `body` but the first by `pad`, except the lines inside `verbatim` blocks. */
function indent(body: string, pad: string, verbatim: RegExp | undefined): string {
  if (!verbatim) return body.replaceAll("\n", `\n${pad}`);
  const pattern = new RegExp(`(${verbatim.source})|\n`, "g");
  return body.replace(pattern, (match, block: string | undefined) => block ?? `${match}${pad}`);
}

/** Renders inline nodes; `inLink` inside a link's text (platforms do not nest links or code in them). */
export function renderInline(nodes: Inline[], d: Dialect, inLink = false): string {
  let out = "";
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        out += d.text(node.value);
        break;
      case "inlineCode":
        out += d.code(node.value, inLink);
        break;
      case "link": {
        const inner = renderInline(node.children, d, true);
        out += isWebLink(node.url)
          ? d.link(node.url, inner)
          : unlinked(node.url, inner, (text) => d.text(text));
        break;
      }
      default: {
        const inner = renderInline(node.children, d, inLink);
        if (inner !== "") out += node.type === "delete" ? d.strike(inner) : d[node.type](inner);
      }
    }
  }
  return out;
}

/** The text of inline nodes without markup; a link's URL follows in parentheses unless it is the text. */
export function inlineText(nodes: Inline[]): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text" || node.type === "inlineCode") {
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

/** A table as monospace text: columns padded to equal width, a rule under the header row. */
export function tableText(table: Table): string {
  const rows = table.children.map((row) =>
    row.children.map((cell) => inlineText(cell.children).replace(/\s+/g, " ")),
  );
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
