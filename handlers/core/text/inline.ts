import type { Inline } from "./ast.ts";
import {
  capDepth,
  collect,
  delimiter,
  MAX_INLINE_DEPTH,
  processEmphasis,
  type Tok,
  token,
} from "./delimiters.ts";

// Inline Markdown: code spans, emphasis, ~~strike~~, links, autolinks, backslash escapes. One linear
// scan builds a token list; delimiters.ts pairs the emphasis runs. Bare URLs stay text, but are read
// as a unit so a `_` or `*` inside them is never taken for emphasis.

const ASCII_PUNCT = /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/;
const SPACE = /\s/u;
const MAX_PARENS = 32;
const isSpace = (code: number) => code <= 32 || (code > 127 && SPACE.test(String.fromCharCode(code)));
const WORD = /[\p{L}\p{N}]/u;
const BARE_URL = /https?:\/\/[^\s<>`]+/gi;
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
const EMAIL =
  /<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y;
/** Characters that may start syntax (\\ ` * _ ~ [ ! <); "]" only ends plain text inside a link's text. */
function special(code: number): boolean {
  switch (code) {
    case 92:
    case 96:
    case 42:
    case 95:
    case 126:
    case 91:
    case 93:
    case 33:
    case 60:
      return true;
    default:
      return false;
  }
}

/** Parses inline Markdown into nodes; unmatched markers stay literal text, and it never throws. */
export function parseInline(src: string): Inline[] {
  const nodes = parseRange(src, 0, src.length, false, src.includes("[") ? matchBrackets(src) : NO_BRACKETS);
  // Each level of nesting takes a marker on each side (a link one level): few markers, no deep tree.
  return countMarkers(src) <= 2 * (MAX_INLINE_DEPTH - 1) ? nodes : capDepth(nodes);
}

const NO_BRACKETS = new Int32Array(0);

function countMarkers(src: string): number {
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 42 || c === 95 || c === 126) n++; // * _ ~
  }
  return n;
}

/** For each `[`, the index of its balanced `]` (or -1); backslash-escaped brackets are skipped. */
function matchBrackets(src: string): Int32Array {
  const match = new Int32Array(src.length).fill(-1);
  const stack: number[] = [];
  const re = /[[\]\\]/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    const c = m[0];
    if (c === "\\") re.lastIndex++;
    else if (c === "[") stack.push(m.index);
    else if (stack.length > 0) match[stack.pop() ?? 0] = m.index;
  }
  return match;
}

function charBefore(src: string, i: number, start: number): string {
  if (i <= start) return "";
  const code = src.charCodeAt(i - 1);
  if (code >= 0xdc00 && code <= 0xdfff && i - 2 >= start) return src.slice(i - 2, i);
  return src.charAt(i - 1);
}

function charAfter(src: string, i: number, end: number): string {
  return i >= end ? "" : String.fromCodePoint(src.codePointAt(i) ?? 0);
}

function parseRange(
  src: string,
  start: number,
  end: number,
  inLink: boolean,
  brackets: Int32Array,
): Inline[] {
  if (isPlain(src, start, end, inLink))
    return start < end ? [{ type: "text", value: src.slice(start, end) }] : [];
  const head = token(null);
  let tail = head;
  let firstDelim: Tok | null = null;
  let lastDelim: Tok | null = null;
  let buf = "";
  let noCloser: Set<number> | undefined;

  const push = (tok: Tok) => {
    tok.prev = tail;
    tail.next = tok;
    tail = tok;
    if (tok.node !== null) return;
    tok.dprev = lastDelim;
    if (lastDelim) lastDelim.dnext = tok;
    else firstDelim = tok;
    lastDelim = tok;
  };
  const flush = () => {
    if (buf !== "") push(token({ type: "text", value: buf }));
    buf = "";
  };
  const pushNode = (node: Inline) => {
    flush();
    push(token(node));
  };

  let urlStart = end;
  let urlEnd = end;
  const findUrl = (from: number) => {
    urlStart = end;
    const scheme = inLink ? -1 : src.indexOf("://", from);
    if (scheme < 0 || scheme >= end) return;
    BARE_URL.lastIndex = Math.max(from, scheme - 5);
    for (let m = BARE_URL.exec(src); m !== null && m.index < end; m = BARE_URL.exec(src)) {
      const url = trimUrl(src.slice(m.index, Math.min(m.index + m[0].length, end)));
      if (url.length > url.indexOf("://") + 3 && !WORD.test(charBefore(src, m.index, start))) {
        urlStart = m.index;
        urlEnd = m.index + url.length;
        return;
      }
    }
  };
  findUrl(start);

  let i = start;
  while (i < end) {
    // The scan may have jumped over the URL found last (inside a code span or link): look again.
    if (urlStart < i) findUrl(i);
    if (i === urlStart) {
      buf += src.slice(i, urlEnd);
      i = urlEnd;
      findUrl(i);
      continue;
    }
    const c = src.charAt(i);
    if (c === "\\") {
      const next = src.charAt(i + 1);
      const escapes = i + 1 < end && (ASCII_PUNCT.test(next) || next === "\n");
      buf += escapes ? next : c;
      i += escapes ? 2 : 1;
    } else if (c === "`") {
      const r = runLength(src, i, end, c);
      const close = noCloser?.has(r) ? -1 : findCodeCloser(src, i + r, end, r);
      if (close < 0) {
        // No later run of this length: remember, so a text full of backticks stays linear.
        noCloser ??= new Set();
        noCloser.add(r);
        buf += src.slice(i, i + r);
        i += r;
      } else {
        pushNode({ type: "inlineCode", value: codeValue(src.slice(i + r, close)) });
        i = close + r;
      }
    } else if (c === "*" || c === "_" || c === "~") {
      const r = runLength(src, i, end, c);
      if (c === "~" && r !== 2) {
        buf += src.slice(i, i + r);
      } else {
        flush();
        push(delimiter(c, r, charBefore(src, i, start), charAfter(src, i + r, end)));
      }
      i += r;
    } else if (!inLink && (c === "[" || (c === "!" && src.charAt(i + 1) === "["))) {
      const open = c === "[" ? i : i + 1;
      const link = readLink(src, open, end, brackets);
      if (link) {
        const children = parseRange(src, open + 1, link.textEnd, true, brackets);
        const { url, title } = link;
        pushNode(
          title === undefined ? { type: "link", url, children } : { type: "link", url, title, children },
        );
        i = link.next;
      } else {
        buf += src.slice(i, open + 1);
        i = open + 1;
      }
    } else {
      const next = c === "<" && !inLink ? readAutolink(src, i, end, pushNode) : -1;
      if (next > 0) {
        i = next;
        continue;
      }
      // Plain run up to the next character that may start syntax, or the next bare URL.
      const stop = Math.min(end, urlStart);
      let j = i + 1;
      while (j < stop && !special(src.charCodeAt(j))) j++;
      buf += src.slice(i, j);
      i = j;
    }
  }
  flush();
  processEmphasis(firstDelim);
  return collect(head.next, null);
}

/** No syntax at all in the range (the common case for link texts and short lines). */
function isPlain(src: string, start: number, end: number, inLink: boolean): boolean {
  for (let i = start; i < end; i++) if (special(src.charCodeAt(i))) return false;
  if (inLink) return true;
  const scheme = src.indexOf("://", start);
  return scheme < 0 || scheme + 3 > end;
}

function runLength(src: string, i: number, end: number, ch: string): number {
  let j = i;
  while (j < end && src.charAt(j) === ch) j++;
  return j - i;
}

/** Start of the next run of exactly `r` backticks, or -1. */
function findCodeCloser(src: string, from: number, end: number, r: number): number {
  let j = from;
  for (;;) {
    const k = src.indexOf("`", j);
    if (k < 0 || k >= end) return -1;
    const q = runLength(src, k, end, "`");
    if (q === r) return k;
    j = k + q;
  }
}

function codeValue(raw: string): string {
  const value = raw.replace(/\n/g, " ");
  const padded = value.length >= 2 && value.startsWith(" ") && value.endsWith(" ");
  return padded && value.trim() !== "" ? value.slice(1, -1) : value;
}

/** GFM's rule for the end of a bare URL: "(see https://x.com/a)." ends before ")." */
function trimUrl(url: string): string {
  let e = url.length;
  for (; e > 0; e--) {
    const c = url.charAt(e - 1);
    if (c === ")" || c === "]") {
      if (!unbalanced(url, e, c === ")" ? "(" : "[", c)) break;
    } else if (!TRAILING.includes(c)) {
      break;
    }
  }
  return url.slice(0, e);
}

const TRAILING = "?!.,:;*_~'\"";

function unbalanced(url: string, end: number, open: string, close: string): boolean {
  let depth = 0;
  for (let i = 0; i < end; i++) {
    const c = url.charAt(i);
    if (c === open) depth++;
    else if (c === close) depth--;
  }
  return depth < 0;
}

interface LinkParts {
  url: string;
  title: string | undefined;
  textEnd: number;
  next: number;
}

/** Reads `[text](destination "title")` with `[` at `open`; null when it is not a link. */
function readLink(src: string, open: number, end: number, brackets: Int32Array): LinkParts | null {
  const close = brackets[open] ?? -1;
  if (close < 0 || close + 1 >= end || src.charAt(close + 1) !== "(") return null;
  let j = skipSpace(src, close + 2, end);
  let url: string;
  if (src.charAt(j) === "<") {
    let k = j + 1;
    while (k < end && !"<>\n".includes(src.charAt(k))) k++;
    if (src.charAt(k) !== ">" || k >= end) return null;
    url = src.slice(j + 1, k);
    j = k + 1;
  } else {
    let depth = 0;
    let k = j;
    // Parentheses nest at most MAX_PARENS deep (as in commonmark.js), which also keeps "[a](" * n linear.
    for (; k < end && depth <= MAX_PARENS; k++) {
      const c = src.charAt(k);
      if (c === "\\") k++;
      else if (c === "(") depth++;
      else if (c === ")" && depth === 0) break;
      else if (c === ")") depth--;
      else if (isSpace(src.charCodeAt(k))) break;
    }
    if (depth > 0 || k >= end) return null;
    url = src.slice(j, k);
    j = k;
  }
  j = skipSpace(src, j, end);
  let title: string | undefined;
  const quote = src.charAt(j);
  if (quote === '"' || quote === "'" || quote === "(") {
    const closer = quote === "(" ? ")" : quote;
    let k = j + 1;
    while (k < end && src.charAt(k) !== closer) k += src.charAt(k) === "\\" ? 2 : 1;
    if (k >= end) return null;
    title = unescapePunct(src.slice(j + 1, k));
    j = skipSpace(src, k + 1, end);
  }
  if (src.charAt(j) !== ")") return null;
  return { url: unescapePunct(url), title, textEnd: close, next: j + 1 };
}

function skipSpace(src: string, i: number, end: number): number {
  let j = i;
  while (j < end && isSpace(src.charCodeAt(j))) j++;
  return j;
}

function unescapePunct(s: string): string {
  return s.replace(/\\([\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])/g, "$1");
}

/** Reads `<scheme:...>` or `<user@host>` at `i`; returns the index after it, or -1. */
function readAutolink(src: string, i: number, end: number, push: (node: Inline) => void): number {
  for (const re of [AUTOLINK, EMAIL]) {
    re.lastIndex = i;
    const m = re.exec(src);
    const next = m ? i + m[0].length : -1;
    if (m && next <= end) {
      const text = m[1] ?? "";
      const url = re === EMAIL ? `mailto:${text}` : text;
      push({ type: "link", url, children: [{ type: "text", value: text }] });
      return next;
    }
  }
  return -1;
}
