import { type Dialect, linkText, renderMarkdown } from "../core/text/render.ts";

/**
 * WhatsApp's own formatting: *bold*, _italic_, ~strike~, ```monospace```, `inline code`, "> " quotes
 * and "- " / "1. " lists. There are no links (URLs in text are linked by the app) and no escape
 * character, so text is sent as it is (but for ```, broken by a zero-width space): WhatsApp formats
 * only markers that hug a word on both sides, and the Markdown parser has already turned such pairs
 * into formatting.
 */

const DANGEROUS = /^\s*(?:javascript|vbscript|data|file):/i;
const FENCE = "```";
// Code blocks keep their lines as they are when a list item's continuation lines are indented.
const MONO = /(```[\s\S]*?```)|\n/g;

/** Wraps text in a marker; WhatsApp ignores markers next to spaces, so they go around the trimmed text. */
function wrap(marker: string, inner: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner);
  const [, lead = "", core = "", trail = ""] = match ?? [];
  return core === "" ? inner : `${lead}${marker}${core}${marker}${trail}`;
}

/** Three backticks in text would start (in a block: end) monospace: zero-width spaces break them up. */
const breakFences = (value: string) => value.replace(/`{3,}/g, (run) => run.replace(/``(?=`)/g, "``\u200b"));

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
  link: (url, inner) => (DANGEROUS.test(url) ? inner : linkText(inner, url)),
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
  indent: (body, pad) => body.replace(MONO, (match, block) => block ?? `${match}${pad}`),
  bullets: ["-"],
};

/**
 * Markdown → WhatsApp formatting for a text message's body.
 * @example markdownToWhatsApp("**Hi** [docs](https://x.y)") // "*Hi* docs (https://x.y)"
 */
export function markdownToWhatsApp(md: string): string {
  return renderMarkdown(md, whatsappText);
}
