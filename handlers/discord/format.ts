import { breakFences, FENCED_BLOCK } from "../core/text/fence.ts";
import { type Dialect, renderMarkdown } from "../core/text/render.ts";

/**
 * Discord's Markdown. Discord renders Markdown itself, so the agent's answer is parsed and written
 * out again: syntax Discord knows is kept, what it lacks is laid out as text (tables in a code block,
 * nested quotes flattened), and every other character is escaped so it shows as written.
 */

// Bare URLs stay as they are: Discord links them itself, and an escape inside one would break it.
const BARE_URL = /https?:\/\/[^\s<>`]+/gi;
// Characters that are Discord syntax anywhere (`<` starts mentions, emoji and timestamps).
const INLINE_SYNTAX = /[\\*_~`|<>[\]]/g;
// Syntax only at the start of a line: headings, subtext (-#), bullets; `1.` is kept from being a
// list by escaping its dot (a backslash before a digit would show).
const LINE_START = /^([ \t]*)([#+-])/gm;
const ORDERED = /^([ \t]*\d+)([.)])/gm;

const escapePlain = (s: string) =>
  s.replace(INLINE_SYNTAX, "\\$&").replace(LINE_START, "$1\\$2").replace(ORDERED, "$1\\$2");

/** Escapes text for Discord, leaving bare URLs intact. */
export function escapeDiscord(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(BARE_URL)) {
    out += escapePlain(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapePlain(text.slice(last));
}

const LANG = /^[\w#+.-]{1,32}$/;

function inlineCode(value: string): string {
  if (value === "") return "";
  if (!value.includes("`")) return `\`${value}\``;
  // Double backticks hold single ones; a run of two or more cannot be held, so it is bent.
  const safe = value.replace(/`{2,}/g, (run) => "ˋ".repeat(run.length));
  return `\`\` ${safe} \`\``;
}

/** Discord message Markdown. */
export const discordMarkdown: Dialect = {
  text: escapeDiscord,
  code: (value) => inlineCode(value),
  strong: (inner) => `**${inner}**`,
  emphasis: (inner) => `*${inner}*`,
  strike: (inner) => `~~${inner}~~`,
  link(url, inner) {
    // encodeURIComponent leaves ( and ) alone, and they would end the link early.
    const target = url.replace(
      /[()<>\s]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
    );
    return inner === "" || inner === url ? target : `[${inner}](${target})`;
  },
  heading: (inner, depth) => `${"#".repeat(Math.min(depth, 3))} ${inner}`,
  codeBlock: (value, lang) => `\`\`\`${LANG.test(lang) ? lang : ""}\n${breakFences(value)}\n\`\`\``,
  // Discord quotes are one level deep: an inner quote is flattened into the outer one.
  blockquote: (inner, nested) => (nested ? inner : inner.replace(/^/gm, "> ")),
  table: (text) => `\`\`\`\n${breakFences(text)}\n\`\`\``,
  hr: "———",
  verbatim: FENCED_BLOCK,
};

/**
 * Markdown → Discord message Markdown.
 * @example markdownToDiscord("**Hi** <you>") // "**Hi** \\<you\\>"
 */
export function markdownToDiscord(md: string): string {
  return renderMarkdown(md, discordMarkdown);
}
