import { delimiter } from "./delimiters.ts";
import { isFenceClose, matchFenceOpen } from "./fence.ts";
import { parseInline } from "./inline.ts";
import { inlineText } from "./render.ts";

/**
 * The Markdown of an unfinished answer as it should show while the rest is written. The renderer never
 * emits broken markup whatever it is given (an unmatched `**` is text), so a half-written answer cannot
 * break a message; it can flicker: `**bol` shows its stars, then turns bold. Healing closes what is open
 * at the end, or holds it back until it can show as it will:
 *
 * - inline, in the last paragraph: emphasis, strike-through and a code span with text after them are
 *   closed (`**bol` → `**bol**`); a bare opener at the very end is held (`see *` → `see `); a link being
 *   written shows its text (`[the docs](https://ex` → `the docs`); a half-typed `<https:` autolink and a
 *   trailing backslash are held. A closer the parser would not take as one (the guess was wrong) makes
 *   the construct held back from its opener instead.
 * - block starts still being typed, on the last line: a lone `#`, `-`, `1.`, `>`, a backtick or tilde run
 *   that may become a fence, and a rule in progress are held;
 * - tables: rows are held until their delimiter row comes (until then they would show as a paragraph of
 *   pipes), then each row once it is complete;
 * - code blocks: an open one shows as code (the renderer runs it to the end); its opening line is held
 *   while it is being written (the language may grow) and so is a last line that may become its fence.
 *
 * A heuristic, never a parser: the final message always shows the exact answer.
 * @example heal("Some **bold te") // "Some **bold te**"
 */
export function heal(markdown: string): string {
  const text = markdown.replace(/\r\n?/g, "\n");
  const lineStart = text.lastIndexOf("\n") + 1;
  const last = text.slice(lineStart);
  const scan = scanBlocks(text);
  if (scan.openFence !== undefined) {
    // Inside a code block: its opening line still being typed, or a last line that may close it, waits.
    if (scan.openFence.start >= lineStart) return text.slice(0, lineStart);
    const close = /^ *(`+|~+)[ \t]*$/.exec(last);
    const fence = scan.openFence.fence;
    return close?.[1]?.[0] === fence[0] ? text.slice(0, lineStart) : text;
  }
  let kept = HELD_LINE.test(last) || RULE_IN_PROGRESS.test(last) ? text.slice(0, lineStart) : text;
  kept = holdTable(kept);
  const from = inlineStart(kept, scan.blockStart);
  return kept.slice(0, from) + healInline(kept.slice(from));
}

/** A last line that may still become a block of another kind: a lone marker, a fence in the making. */
const HELD_LINE = /^ {0,3}(?:#{1,6}|>|[-*+]|\d{1,9}[.)]?|`{1,2}|~{1,2}|\|)?[ \t]*$/;
/** `-`, `- -`, `**`, `__`: a thematic break may be on its way. */
const RULE_IN_PROGRESS = /^ {0,3}([-*_])(?:[ \t]*\1)*[ \t]*$/;
/** The row under a table's header. */
const DELIMITER_ROW = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;
const PIPE_ROW = /^ *\|/;
/** Where a new block (or a new inline container) starts on a line: a list item, a heading, a quote. */
const BLOCK_START = /^ *(?:[-*+] |\d{1,9}[.)] |#{1,6} |>)/;

interface Blocks {
  /** Offset where the last block starts: after the last blank line or code block. */
  readonly blockStart: number;
  /** The code block still open at the end, if any: where its opening line starts, and its fence. */
  readonly openFence: { readonly start: number; readonly fence: string } | undefined;
}

/** Where the last block starts, and the code block left open. */
function scanBlocks(text: string): Blocks {
  let blockStart = 0;
  let open: ReturnType<typeof matchFenceOpen> = null;
  let openAt = 0;
  for (let ls = 0; ls <= text.length; ) {
    const nl = text.indexOf("\n", ls);
    const le = nl < 0 ? text.length : nl;
    const line = text.slice(ls, le);
    if (open) {
      if (isFenceClose(line, open) && nl >= 0) {
        open = null;
        blockStart = le + 1;
      }
    } else if (line.trim() === "") {
      if (nl >= 0) blockStart = le + 1;
    } else {
      const fence = matchFenceOpen(line);
      if (fence) {
        open = fence;
        openAt = ls;
      }
    }
    if (nl < 0) break;
    ls = nl + 1;
  }
  return { blockStart, openFence: open ? { start: openAt, fence: open.fence } : undefined };
}

/** Rows of a table at the end wait for their delimiter row, then each for its end. */
function holdTable(text: string): string {
  const lines = text.split("\n");
  let first = lines.length;
  while (first > 0 && PIPE_ROW.test(lines[first - 1] ?? "")) first--;
  if (first === lines.length) return text;
  const hasDelimiter = lines.slice(first + 1).some((line) => DELIMITER_ROW.test(line));
  // A complete table so far: only the row being typed waits.
  const keep = hasDelimiter ? lines.length - 1 : first;
  return lines.slice(0, keep).join("\n") + (keep > 0 && keep < lines.length ? "\n" : "");
}

/** Where the inline text of the last block's last container starts (a list item's or heading's line). */
function inlineStart(text: string, blockStart: number): number {
  let start = Math.min(blockStart, text.length);
  for (let ls = start; ls < text.length; ) {
    const nl = text.indexOf("\n", ls);
    if (BLOCK_START.test(text.slice(ls, nl < 0 ? text.length : nl))) start = ls;
    if (nl < 0) break;
    ls = nl + 1;
  }
  return start;
}

interface Opener {
  readonly ch: string;
  readonly count: number;
  readonly at: number;
}

const BARE_URL = /^https?:\/\/[^\s<>`]+/i;
const PARTIAL_AUTOLINK = /^<(?:[A-Za-z][A-Za-z0-9+.-]*(?::[^\s<>]*)?)?$/;

/** Closes (or holds back) what is open at the end of one paragraph's inline text. */
function healInline(source: string): string {
  let text = source;
  const stack: Opener[] = [];
  let cutAt: number | undefined;
  let linkText: { open: number; close: number } | undefined;
  for (let i = 0; i < text.length; ) {
    const c = text.charAt(i);
    if (c === "\\") {
      if (i === text.length - 1) cutAt = i;
      i += 2;
      continue;
    }
    if (c === "h") {
      const url = BARE_URL.exec(text.slice(i));
      if (url && (i === 0 || /\W/.test(text.charAt(i - 1)))) {
        i += url[0].length;
        continue;
      }
    }
    if (c === "`") {
      const count = runLength(text, i, c);
      const close = findRun(text, i + count, count);
      if (close < 0) {
        // Everything after an open code span is its content.
        stack.push({ ch: c, count, at: i });
        break;
      }
      i = close + count;
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const count = runLength(text, i, c);
      if (c === "~" && count !== 2) {
        i += count;
        continue;
      }
      const before = i > 0 ? text.charAt(i - 1) : "";
      const run = delimiter(c, count, before, text.charAt(i + count));
      const opener = run.canClose ? lastIndex(stack, (o) => o.ch === c) : -1;
      const atEnd = i + count === text.length;
      // `**bold*` at the end: the rest of the closer is on its way.
      if (opener >= 0 && atEnd && count < (stack[opener] as Opener).count) {
        cutAt = i;
        break;
      }
      if (opener >= 0) stack.length = opener;
      else if (run.canOpen) stack.push({ ch: c, count, at: i });
      // A run at the very end opens once a word follows it: held until then.
      else if (atEnd && delimiter(c, count, before, "a").canOpen) cutAt = i;
      i += count;
      continue;
    }
    if (c === "[") {
      stack.push({ ch: c, count: 1, at: i });
    } else if (c === "]") {
      const open = lastIndex(stack, (o) => o.ch === "[");
      if (open >= 0) {
        const bracket = stack[open] as Opener;
        if (text.charAt(i + 1) === "(") {
          const end = closingParen(text, i + 2);
          if (end < 0) {
            // The URL is being written: show the link's text alone for now.
            linkText = { open: bracket.at, close: i };
            stack.length = open;
            break;
          }
          stack.length = open;
          i = end + 1;
          continue;
        }
        if (i === text.length - 1) {
          linkText = { open: bracket.at, close: i };
          stack.length = open;
          break;
        }
        stack.length = open;
      }
    } else if (c === "<" && PARTIAL_AUTOLINK.test(text.slice(i))) {
      cutAt = i;
      break;
    }
    i++;
  }
  if (linkText) text = text.slice(0, linkText.open) + text.slice(linkText.open + 1, linkText.close);
  else if (cutAt !== undefined) text = text.slice(0, cutAt);
  // A `[` never closed is text the link will not show: left out until it is closed.
  const brackets = stack.filter((o) => o.ch === "[" && o.at < text.length);
  for (const bracket of brackets.reverse()) text = text.slice(0, bracket.at) + text.slice(bracket.at + 1);
  const open = stack.filter((o) => o.ch !== "[" && o.at < text.length);
  return close(text, open);
}

/** Appends the closers of `open`, innermost first; a bare opener at the end is dropped instead. */
function close(text: string, open: readonly Opener[]): string {
  let out = text;
  const openers = [...open];
  // Openers with nothing after them yet: held, with whatever blank follows.
  while (openers.length > 0) {
    const top = openers[openers.length - 1] as Opener;
    if (out.slice(top.at + top.count).trim() !== "") break;
    out = out.slice(0, top.at);
    openers.pop();
  }
  if (openers.length === 0) return out;
  const body = out.trimEnd();
  const closers = openers
    .toReversed()
    .map((o) => o.ch.repeat(o.ch === "~" ? 2 : o.count))
    .join("");
  const healed = body + closers;
  // The parser must take the closers as syntax: its text is then the text without any of the markers.
  const bare = removeAt(body, openers);
  if (inlineText(parseInline(healed)) === inlineText(parseInline(bare))) return healed;
  return out.slice(0, Math.min(...openers.map((o) => o.at)));
}

/** `text` without the opener runs. */
function removeAt(text: string, openers: readonly Opener[]): string {
  let out = text;
  for (const o of [...openers].sort((a, b) => b.at - a.at))
    out = out.slice(0, o.at) + out.slice(o.at + o.count);
  return out;
}

/** The `)` that closes a link destination starting at `from` (parentheses inside it balanced), or -1. */
function closingParen(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && depth-- === 0) return i;
  }
  return -1;
}

function runLength(text: string, at: number, ch: string): number {
  let n = 0;
  while (text.charAt(at + n) === ch) n++;
  return n;
}

/** The start of the next run of exactly `count` backticks from `from`, or -1. */
function findRun(text: string, from: number, count: number): number {
  for (let i = text.indexOf("`", from); i >= 0; i = text.indexOf("`", i)) {
    const n = runLength(text, i, "`");
    if (n === count) return i;
    i += n;
  }
  return -1;
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}
