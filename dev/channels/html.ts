/** Turns platform-formatted text into safe HTML for the emulator page. */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

const ALLOWED = new Set(["b", "strong", "i", "em", "s", "del", "u", "code", "pre", "blockquote", "a", "br"]);

/**
 * Keeps only simple formatting tags of an HTML fragment (links only with http(s) hrefs, no other
 * attributes), escaping everything else: what the page shows can never run script.
 */
export function safeHtml(html: string): string {
  return html.replace(
    /<(\/?)([a-zA-Z0-9-]+)([^>]*)>|[<>"]/g,
    (match, slash: string, tag: string, attrs: string) => {
      if (!tag) return ESCAPES[match] ?? match;
      const name = tag.toLowerCase();
      if (!ALLOWED.has(name)) return escapeHtml(match);
      if (name === "a" && !slash) {
        const href = /href="(https?:\/\/[^"]*)"/.exec(attrs)?.[1];
        return href ? `<a href="${href}" target="_blank" rel="noopener noreferrer">` : "<a>";
      }
      return `<${slash}${name}>`;
    },
  );
}
