import { breakFences, FENCED_BLOCK } from "../core/text/fence.ts";
import { linkText } from "../core/text/links.ts";
import { type Dialect, renderMarkdown } from "../core/text/render.ts";

/**
 * WhatsApp's own formatting: *bold*, _italic_, ~strike~, ```monospace```, `inline code`, "> " quotes
 * and "- " / "1. " lists. There are no links (URLs in text are linked by the app) and no escape
 * character, so text is sent as it is (but for ```, broken by a zero-width space): WhatsApp formats
 * only markers that hug a word on both sides, and the Markdown parser has already turned such pairs
 * into formatting.
 */

const FENCE = "```";

/** Wraps text in a marker; WhatsApp ignores markers next to spaces, so they go around the trimmed text. */
function wrap(marker: string, inner: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner);
  const [, lead = "", core = "", trail = ""] = match ?? [];
  return core === "" ? inner : `${lead}${marker}${core}${marker}${trail}`;
}

/** A monospace block. */
const mono = (value: string) => `${FENCE}${breakFences(value)}${FENCE}`;

/** WhatsApp text formatting (the `text.body` of a message). */
export const whatsappText: Dialect = {
  text: breakFences,
  // Inline code cannot hold a backtick, nor be linked: then it is plain text.
  code: (value, inLink) =>
    inLink || value.includes("`") || value.trim() === "" ? breakFences(value) : `\`${value}\``,
  strong: (inner) => wrap("*", inner),
  emphasis: (inner) => wrap("_", inner),
  strike: (inner) => wrap("~", inner),
  // No links on WhatsApp: the app links a URL it sees in the text.
  link: (url, inner) => linkText(inner, url),
  heading: (inner) => wrap("*", inner),
  codeBlock: (value) => mono(value),
  // One "> " per line; WhatsApp has no nested quotes, so an inner quote joins the outer one.
  blockquote: (inner, nested) =>
    nested
      ? inner
      : inner
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => `> ${line}`)
          .join("\n"),
  table: (text) => mono(text),
  hr: "———",
  verbatim: FENCED_BLOCK,
  bullets: ["-"],
};

/**
 * Markdown → WhatsApp formatting for a text message's body.
 * @example markdownToWhatsApp("**Hi** [docs](https://x.y)") // "*Hi* docs (https://x.y)"
 */
export function markdownToWhatsApp(md: string): string {
  return renderMarkdown(md, whatsappText);
}
