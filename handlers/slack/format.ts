import { type Dialect, linkText, renderMarkdown } from "../core/text/render.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escapes text for mrkdwn: only &, < and > (Slack's control characters); the rest shows as typed. */
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);

// <url|text> ends at ">" and splits at the first "|": both are percent-encoded in the URL, spaces too.
const escapeUrl = (url: string) =>
  url.replace(/[|<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/&/g, "&amp;");
const LINKABLE = /^(?:https?:\/\/[^\s/?#]+|mailto:[^\s@]+@\S+)/i;
const DANGEROUS = /^\s*(?:javascript|vbscript|data|file):/i;
const FENCE = /(```[\s\S]*?```)|\n/g;

/** Text and code block content: three backticks in a row open or end a Slack code block, so they are split up. */
const plain = (value: string) => escapeText(value).replace(/`{3,}/g, (run) => [...run].join("\u200b"));

/** Slack mrkdwn (the `text` of chat.postMessage): *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>. */
export const slackMrkdwn: Dialect = {
  text: plain,
  // Formatting does not apply inside a link's label: code there is plain text.
  code: (value, inLink) => (inLink || value.includes("`") ? plain(value) : `\`${escapeText(value)}\``),
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  link(url, inner) {
    if (LINKABLE.test(url)) {
      // Slack shows a bare <url> as the URL itself.
      return inner && inner !== escapeText(url) ? `<${escapeUrl(url)}|${inner}>` : `<${escapeUrl(url)}>`;
    }
    return DANGEROUS.test(url) ? inner : linkText(inner, escapeText(url));
  },
  heading: (inner) => `*${inner}*`,
  codeBlock: (value) => `\`\`\`\n${plain(value)}\n\`\`\``,
  // mrkdwn quotes are one level deep: an inner quote is flattened into the outer one.
  blockquote: (inner, nested) => (nested ? inner : inner.replace(/^/gm, "> ")),
  table: (text) => `\`\`\`\n${plain(text)}\n\`\`\``,
  hr: "———",
  // Indenting list continuation lines must not add spaces inside code blocks.
  indent: (body, pad) => body.replace(FENCE, (match, fence) => fence ?? `${match}${pad}`),
};

/**
 * Markdown → Slack mrkdwn for chat.postMessage's `text`.
 * @example markdownToSlackMrkdwn("**Hi** <you> [docs](https://x.y)") // "*Hi* &lt;you&gt; <https://x.y|docs>"
 */
export function markdownToSlackMrkdwn(md: string): string {
  return renderMarkdown(md, slackMrkdwn);
}
