import { breakFences, FENCED_BLOCK } from "../core/text/fence.ts";
import { type Dialect, renderMarkdown } from "../core/text/render.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escapes text for mrkdwn: only &, < and > (Slack's control characters); the rest shows as typed. */
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);

// <url|text> ends at ">" and splits at the first "|": both are percent-encoded in the URL, spaces too.
const escapeUrl = (url: string) =>
  url.replace(/[|<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/&/g, "&amp;");
/** Text and code block content: three backticks in a row would open or end a Slack code block. */
const plain = (value: string) => breakFences(escapeText(value));

/** Slack mrkdwn (the `text` of chat.postMessage): *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>. */
export const slackMrkdwn: Dialect = {
  text: plain,
  // Formatting does not apply inside a link's label: code there is plain text.
  code: (value, inLink) => (inLink || value.includes("`") ? plain(value) : `\`${escapeText(value)}\``),
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  // Slack shows a bare <url> as the URL itself.
  link: (url, inner) =>
    inner && inner !== escapeText(url) ? `<${escapeUrl(url)}|${inner}>` : `<${escapeUrl(url)}>`,
  heading: (inner) => `*${inner}*`,
  codeBlock: (value) => `\`\`\`\n${plain(value)}\n\`\`\``,
  // mrkdwn quotes are one level deep: an inner quote is flattened into the outer one.
  blockquote: (inner, nested) => (nested ? inner : inner.replace(/^/gm, "> ")),
  table: (text) => `\`\`\`\n${plain(text)}\n\`\`\``,
  hr: "———",
  verbatim: FENCED_BLOCK,
};

/**
 * Markdown → Slack mrkdwn for chat.postMessage's `text`.
 * @example markdownToSlackMrkdwn("**Hi** <you> [docs](https://x.y)") // "*Hi* &lt;you&gt; <https://x.y|docs>"
 */
export function markdownToSlackMrkdwn(md: string): string {
  return renderMarkdown(md, slackMrkdwn);
}
