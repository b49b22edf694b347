import { linkText } from "./links.ts";
import { type Dialect, renderMarkdown } from "./render.ts";

const same = (s: string) => s;

/** Plain text: markup removed, link URLs kept in parentheses, code as is, quotes marked "│ ". */
export const plainDialect: Dialect = {
  text: same,
  code: same,
  strong: same,
  emphasis: same,
  strike: same,
  link: (url, inner) => linkText(inner, url),
  heading: same,
  codeBlock: same,
  blockquote: (inner) => inner.replace(/^(?=.)/gm, "│ ").replace(/^$/gm, "│"),
  table: same,
  hr: "———",
};

/** Markdown → plain text for platforms (or retries) without formatting, e.g. "**a** [b](u)" → "a b (u)". */
export function markdownToText(markdown: string): string {
  return renderMarkdown(markdown, plainDialect);
}
