import { linkText } from "../core/text/links.ts";
import { type Dialect, renderMarkdown } from "../core/text/render.ts";

const FENCE = "```";

/**
 * WhatsApp's own markup: *bold*, _italic_, ~strike~, `code`, ``` blocks and "> " quotes. WhatsApp
 * has no escape character, so text is passed as is; links show their URL (WhatsApp links it).
 */
export const whatsappMarkup: Dialect = {
  text: (value) => value,
  code: (value, inLink) => (inLink || value.includes("`") ? value : `\`${value}\``),
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  link: (url, inner) => linkText(inner, url),
  heading: (inner) => `*${inner}*`,
  codeBlock: (value) => `${FENCE}\n${value.replace(/\n$/, "")}\n${FENCE}`,
  blockquote: (inner) => inner.replace(/^/gm, "> "),
  table: (text) => `${FENCE}\n${text}\n${FENCE}`,
  hr: "———",
};

/**
 * Markdown → WhatsApp markup.
 * @example markdownToWhatsApp("**Hi** [docs](https://x.dev)") // "*Hi* docs (https://x.dev)"
 */
export function markdownToWhatsApp(md: string): string {
  return renderMarkdown(md, whatsappMarkup);
}
