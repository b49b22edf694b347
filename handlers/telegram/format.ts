import { markdownToText } from "../core/text/plain.ts";
import { type Dialect, renderMarkdown } from "../core/text/render.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text for Telegram HTML: only &, < and > (the entities Telegram knows). */
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
const escapeAttr = (s: string) => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

const LANG = /^[\w#+.-]{1,32}$/;

/** Telegram Bot API HTML (parse_mode "HTML"): only the tags Telegram documents, nested as it allows. */
export const telegramHtml: Dialect = {
  text: escapeText,
  // Telegram's entities may not contain each other (a link cannot hold code): plain text in links.
  code: (value, inLink) => (inLink ? escapeText(value) : `<code>${escapeText(value)}</code>`),
  strong: (inner) => `<b>${inner}</b>`,
  emphasis: (inner) => `<i>${inner}</i>`,
  strike: (inner) => `<s>${inner}</s>`,
  link: (url, inner) => `<a href="${escapeAttr(url)}">${inner || escapeText(url)}</a>`,
  heading: (inner) => `<b>${inner}</b>`,
  codeBlock: (value, lang) =>
    LANG.test(lang)
      ? `<pre><code class="language-${lang}">${escapeText(value)}</code></pre>`
      : `<pre>${escapeText(value)}</pre>`,
  // Telegram's blockquotes cannot nest: an inner quote is flattened into the outer one.
  blockquote: (inner, nested) => (nested ? inner : `<blockquote>${inner}</blockquote>`),
  table: (text) => `<pre>${escapeText(text)}</pre>`,
  hr: "———",
  verbatim: /<pre>[\s\S]*?<\/pre>/,
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
