/**
 * Telegram's formatting-option parsing, re-implemented closely enough to reject what the Bot API rejects:
 * HTML, MarkdownV2 and legacy Markdown. Each parser returns the plain text Telegram would store, or the
 * "can't parse entities" detail Telegram would answer with (byte offsets are UTF-8, as Telegram reports them).
 * Modelled on TDLib's parse_html / parse_markdown_v2 / parse_markdown; checks nesting, unknown tags,
 * reserved characters and unclosed entities, but not every rule (e.g. entity overlap limits).
 */

/** The outcome of parsing formatted text. */
export type ParseResult = { ok: true; text: string } | { ok: false; error: string };

/** Parses `text` in `parseMode` (undefined or empty = plain text). */
export function parseEntities(text: string, parseMode: string | undefined): ParseResult {
  switch ((parseMode ?? "").toLowerCase()) {
    case "":
      return { ok: true, text };
    case "html":
      return parseHtml(text);
    case "markdownv2":
      return parseMarkdownV2(text);
    case "markdown":
      return parseMarkdown(text);
    default:
      return { ok: false, error: `Unsupported parse_mode "${parseMode}"` };
  }
}

const encoder = new TextEncoder();
/** UTF-8 byte offset of UTF-16 index `index` in `text`. */
function byteOffset(text: string, index: number): number {
  return encoder.encode(text.slice(0, index)).length;
}

const HTML_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "span",
  "tg-spoiler",
  "tg-emoji",
  "tg-time",
  "pre",
  "code",
  "blockquote",
]);

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Decodes one `&...;` entity at `i`; returns [decoded, length] or undefined (then `&` is literal). */
function htmlEntity(text: string, i: number): [string, number] | undefined {
  const match = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/.exec(text.slice(i, i + 12));
  if (!match?.[1]) return undefined;
  const name = match[1];
  if (name.startsWith("#")) {
    const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    if (code > 0x10ffff || code === 0) return undefined;
    return [String.fromCodePoint(code), match[0].length];
  }
  const decoded = NAMED_ENTITIES[name];
  return decoded === undefined ? undefined : [decoded, match[0].length];
}

/** Telegram's HTML parse mode. */
export function parseHtml(text: string): ParseResult {
  const fail = (error: string): ParseResult => ({ ok: false, error });
  const open: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "&") {
      const entity = htmlEntity(text, i);
      if (entity) {
        out += entity[0];
        i += entity[1];
      } else {
        out += "&";
        i += 1;
      }
      continue;
    }
    if (ch !== "<") {
      out += ch;
      i += 1;
      continue;
    }
    const begin = i;
    if (text[i + 1] === "/") {
      let j = i + 2;
      while (j < text.length && text[j] !== ">" && !/\s/.test(text[j] as string)) j += 1;
      const name = text.slice(i + 2, j).toLowerCase();
      while (j < text.length && /\s/.test(text[j] as string)) j += 1;
      if (text[j] !== ">")
        return fail(`Can't find end tag "${name}" at byte offset ${byteOffset(text, begin)}`);
      const expected = open.pop();
      if (expected === undefined) return fail(`Unexpected end tag at byte offset ${byteOffset(text, begin)}`);
      if (name !== expected) {
        return fail(
          `Unmatched end tag at byte offset ${byteOffset(text, begin)}, expected "</${expected}>", found "</${name}>"`,
        );
      }
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < text.length && /[A-Za-z0-9-]/.test(text[j] as string)) j += 1;
    const name = text.slice(i + 1, j).toLowerCase();
    if (!HTML_TAGS.has(name)) {
      return fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(text, begin)}`);
    }
    // Attributes: skip to the closing '>' honouring quotes.
    let attributes = "";
    let quote: string | undefined;
    while (j < text.length && (quote !== undefined || text[j] !== ">")) {
      const c = text[j] as string;
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") {
        quote = c;
      }
      attributes += c;
      j += 1;
    }
    if (j >= text.length) return fail(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
    if (name === "span" && !/class\s*=\s*["']?tg-spoiler/.test(attributes)) {
      return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(text, begin)}`);
    }
    open.push(name);
    i = j + 1;
  }
  if (open.length > 0)
    return fail(`Can't find end tag corresponding to start tag "${open[open.length - 1]}"`);
  return { ok: true, text: out };
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";
const MDV2_NAMES: Record<string, string> = {
  "*": "Bold",
  _: "Italic",
  __: "Underline",
  "~": "Strikethrough",
  "||": "Spoiler",
  "`": "Code",
  "```": "Pre",
  "[": "TextUrl",
};

/** Telegram's MarkdownV2 parse mode. */
export function parseMarkdownV2(text: string): ParseResult {
  const fail = (error: string): ParseResult => ({ ok: false, error });
  const stack: { token: string; at: number }[] = [];
  let out = "";
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const ch = text[i] as string;
    const top = stack[stack.length - 1];
    const inCode = top?.token === "`" || top?.token === "```";
    if (ch === "\\" && i + 1 < text.length && (text.codePointAt(i + 1) ?? 0) <= 126) {
      out += text[i + 1];
      i += 2;
      lineStart = false;
      continue;
    }
    if (inCode) {
      if (top?.token === "```" && text.startsWith("```", i)) {
        stack.pop();
        i += 3;
      } else if (top?.token === "`" && ch === "`") {
        stack.pop();
        i += 1;
      } else {
        out += ch;
        i += 1;
      }
      lineStart = ch === "\n";
      continue;
    }
    if (!MDV2_RESERVED.includes(ch)) {
      out += ch;
      lineStart = ch === "\n";
      i += 1;
      continue;
    }
    if (ch === ">" && lineStart) {
      // Blockquote line.
      i += 1;
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (text.startsWith("```", i)) {
      stack.push({ token: "```", at: i });
      i += 3;
      // Optional language name on the opening line.
      const newline = text.indexOf("\n", i);
      if (newline >= 0 && /^[^\s`]*$/.test(text.slice(i, newline))) i = newline + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    const token = two === "__" || two === "||" ? two : ch;
    if (
      token === "_" ||
      token === "__" ||
      token === "*" ||
      token === "~" ||
      token === "||" ||
      token === "`"
    ) {
      if (top?.token === token) stack.pop();
      else {
        if (stack.some((entry) => entry.token === token)) {
          return fail(`Can't find end of ${MDV2_NAMES[token]} entity at byte offset ${byteOffset(text, i)}`);
        }
        stack.push({ token, at: i });
      }
      i += token.length;
      continue;
    }
    if (ch === "[" || (ch === "!" && text[i + 1] === "[")) {
      stack.push({ token: "[", at: i });
      i += ch === "!" ? 2 : 1;
      continue;
    }
    if (ch === "]" && top?.token === "[") {
      stack.pop();
      if (text[i + 1] === "(") {
        const close = findUrlEnd(text, i + 2);
        if (close < 0) return fail(`Can't find end of a URL at byte offset ${byteOffset(text, i + 1)}`);
        i = close + 1;
      } else {
        i += 1;
      }
      continue;
    }
    return fail(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) {
    return fail(
      `Can't find end of ${MDV2_NAMES[unclosed.token]} entity at byte offset ${byteOffset(text, unclosed.at)}`,
    );
  }
  return { ok: true, text: out };
}

/** Index of the `)` closing a MarkdownV2 URL that starts at `from` (`\)` and `\\` are escapes), or -1. */
function findUrlEnd(text: string, from: number): number {
  for (let j = from; j < text.length; j += 1) {
    if (text[j] === "\\") j += 1;
    else if (text[j] === ")") return j;
  }
  return -1;
}

/** Telegram's legacy Markdown parse mode. */
export function parseMarkdown(text: string): ParseResult {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "\\" && "_*`[".includes(text[i + 1] ?? "")) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (ch !== "_" && ch !== "*" && ch !== "`" && ch !== "[") {
      out += ch;
      i += 1;
      continue;
    }
    const begin = i;
    const end = ch === "[" ? "]" : text.startsWith("```", i) ? "```" : ch;
    const start = i + (end === "```" ? 3 : 1);
    const close = text.indexOf(end, start);
    if (close < 0) {
      return {
        ok: false,
        error: `Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`,
      };
    }
    out += text.slice(start, close);
    i = close + end.length;
    if (ch === "[" && text[i] === "(") {
      const paren = text.indexOf(")", i);
      if (paren < 0) {
        return {
          ok: false,
          error: `Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`,
        };
      }
      i = paren + 1;
    }
  }
  return { ok: true, text: out };
}
