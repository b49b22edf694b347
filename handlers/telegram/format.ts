import { markdownToText } from "../core/text/plain.ts";
import { type Dialect, linkText, renderMarkdown } from "../core/text/render.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text for Telegram HTML: only &, < and > (the entities Telegram knows). */
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
const escapeAttr = (s: string) => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

// Telegram rejects the whole message for a link it cannot use ("URL host is empty" for relative
// links), so only absolute http(s) and tg:// links become <a>; others show their URL as text.
const LINKABLE = /^(?:https?:\/\/[^\s/?#]+|tg:\/\/\S+)/i;
const DANGEROUS = /^\s*(?:javascript|vbscript|data|file):/i;
const LANG = /^[\w#+.-]{1,32}$/;
const PRE = /(<pre>[\s\S]*?<\/pre>)|\n/g;

/** Telegram Bot API HTML (parse_mode "HTML"): only the tags Telegram documents, nested as it allows. */
export const telegramHtml: Dialect = {
  text: escapeText,
  // Telegram's entities may not contain each other (a link cannot hold code): plain text in links.
  code: (value, inLink) => (inLink ? escapeText(value) : `<code>${escapeText(value)}</code>`),
  strong: (inner) => `<b>${inner}</b>`,
  emphasis: (inner) => `<i>${inner}</i>`,
  strike: (inner) => `<s>${inner}</s>`,
  link(url, inner) {
    if (LINKABLE.test(url)) return `<a href="${escapeAttr(url)}">${inner || escapeText(url)}</a>`;
    return DANGEROUS.test(url) ? inner : linkText(inner, escapeText(url));
  },
  heading: (inner) => `<b>${inner}</b>`,
  codeBlock: (value, lang) =>
    LANG.test(lang)
      ? `<pre><code class="language-${lang}">${escapeText(value)}</code></pre>`
      : `<pre>${escapeText(value)}</pre>`,
  // Telegram's blockquotes cannot nest: an inner quote is flattened into the outer one.
  blockquote: (inner, nested) => (nested ? inner : `<blockquote>${inner}</blockquote>`),
  table: (text) => `<pre>${escapeText(text)}</pre>`,
  hr: "———",
  // Indenting list continuation lines must not add spaces inside code blocks.
  indent: (body, pad) => body.replace(PRE, (match, pre) => pre ?? `${match}${pad}`),
};

/**
 * Markdown → Telegram HTML for sendMessage with parse_mode "HTML".
 * @example markdownToTelegramHtml("**Hi** <you>") // "<b>Hi</b> &lt;you&gt;"
 */
export function markdownToTelegramHtml(md: string): string {
  return renderMarkdown(md, telegramHtml);
}

/** Markdown → plain text, for the retry without parse_mode when Telegram rejects our entities. */
export function markdownToPlainText(md: string): string {
  return markdownToText(md);
}
