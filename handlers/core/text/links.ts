/**
 * Which links a reply may carry, for every channel: only absolute http(s) URLs become links. Anything
 * else is shown as text — a relative link or an e-mail address as "text (url)", a link of any other
 * scheme (`tg://`, `javascript:`, `file:`, `data:`, …) by its text alone, so an agent echoing a user's
 * Markdown cannot turn into a mention, a join link or a script.
 */

/** An absolute http(s) URL with a host: the only kind a reply may link to. */
const WEB_URL = /^https?:\/\/[^\s/?#]+/i;
/** A URL with a scheme (`tg:`, `javascript:`, `mailto:` …). */
const SCHEME = /^\s*[a-z][a-z0-9+.-]*:/i;

/** Whether `url` may be a link in a reply (an absolute http(s) URL). */
export function isWebLink(url: string): boolean {
  return WEB_URL.test(url);
}

/** "text (url)", or just one of them when the other is empty or the same (mailto: dropped). */
export function linkText(text: string, url: string): string {
  const shown = url.replace(/^mailto:/i, "");
  if (text === "" || text === url || text === shown) return text || shown;
  return shown === "" ? text : `${text} (${shown})`;
}

/**
 * A link that may not be one, as text: its text (`inner`, already rendered) with the URL after it when
 * the URL is harmless to show (relative, an e-mail address, an http(s) URL without a host), else its text
 * alone. `asText` makes the URL safe as text in the output format.
 */
export function unlinked(url: string, inner: string, asText: (text: string) => string): string {
  const harmless = !SCHEME.test(url) || /^\s*(?:https?|mailto):/i.test(url);
  return harmless ? linkText(inner, asText(url)) : inner;
}
