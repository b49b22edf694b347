/**
 * Slack message text → plain text for the agent. Slack sends `&`, `<` and `>` escaped and wraps
 * mentions, channels and links in angle brackets; the agent gets readable text instead.
 */

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };

const SPECIAL: Record<string, string> = { here: "@here", channel: "@channel", everyone: "@everyone" };

/**
 * `<@U1>` → `@U1` (`@name` with a label), our own mention removed; `<#C1|general>` → `#general`;
 * `<!here>` → `@here`; `<https://x|docs>` → `docs (https://x)`; entities decoded; whitespace trimmed.
 * @example slackTextToPlain("<@UBOT> see <https://x.y|docs> &amp; more", "UBOT") // "see docs (https://x.y) & more"
 */
export function slackTextToPlain(text: string, botUserId?: string): string {
  // NUL marks where our own mention was, so only the spaces around it are joined.
  const out = text.replaceAll("\0", "").replace(/<([^<>]*)>/g, (_all, inner: string) => {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? "" : inner.slice(bar + 1);
    switch (target.charAt(0)) {
      case "@":
        return target.slice(1) === botUserId ? "\0" : `@${label || target.slice(1)}`;
      case "#":
        return `#${label || target.slice(1)}`;
      case "!": {
        const name = target.slice(1).split("^", 1)[0] ?? "";
        return label || SPECIAL[name] || `@${name}`;
      }
      default: {
        const url = target.replace(/^mailto:/i, "");
        return label && label !== target && label !== url ? `${label} (${url})` : url;
      }
    }
  });
  return out
    .replace(/&(?:lt|gt|amp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/[ \t]*\0[ \t]*/g, " ")
    .trim();
}
