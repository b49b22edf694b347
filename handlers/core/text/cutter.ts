import { type FenceOpen, isFenceClose, matchFenceOpen } from "./fence.ts";
import { cutBefore } from "./graphemes.ts";

/** One chunk: `body` is source text; `open`/`close` are fence lines added around a cut code block. */
export interface Segment {
  readonly open: string;
  readonly body: string;
  readonly close: string;
}

/** Cuts one chunk at a time from normalised Markdown; see `createCutter`. */
export interface Cutter {
  /** Where the first chunk starts (leading blank lines skipped). */
  readonly first: number;
  /** Length of the normalised text. */
  readonly end: number;
  /** The chunk starting at `pos`, at most `size` long, and where the next one starts. */
  cut(pos: number, size: number): { segment: Segment; next: number };
}

/** A fenced code block, as offsets into the normalised text. */
interface Span {
  /** Start of the opening fence line. */
  start: number;
  /** Start of the line after the opening fence. */
  bodyStart: number;
  /** First non-whitespace character of the body (or `end`). */
  headEnd: number;
  /** Just after the last non-whitespace character of the body (or `headEnd`). */
  tailStart: number;
  /** Start of the closing fence line (the text's end when unterminated). */
  end: number;
  /** End of the closing fence line, before its "\n". */
  closeEnd: number;
  /** The opening fence line, to reopen with. */
  open: string;
  /** The closing fence line, to close with. */
  close: string;
  /** Length of both fence lines with their "\n". */
  overhead: number;
}

const SPACE = /\s/;

function findSpans(text: string): Span[] {
  const spans: Span[] = [];
  let open: { start: number; bodyStart: number; line: string; fence: FenceOpen } | undefined;
  for (let ls = 0; ; ) {
    const nl = text.indexOf("\n", ls);
    const le = nl < 0 ? text.length : nl;
    const line = text.slice(ls, le);
    if (open && isFenceClose(line, open.fence)) {
      spans.push(span(text, open, ls, le));
      open = undefined;
    } else if (!open) {
      const fence = matchFenceOpen(line);
      if (fence) open = { start: ls, bodyStart: Math.min(le + 1, text.length), line: line.trimEnd(), fence };
    }
    if (nl < 0) break;
    ls = nl + 1;
  }
  if (open) spans.push(span(text, open, text.length, text.length));
  return spans;
}

function span(
  text: string,
  open: { start: number; bodyStart: number; line: string; fence: FenceOpen },
  end: number,
  closeEnd: number,
): Span {
  let headEnd = open.bodyStart;
  while (headEnd < end && SPACE.test(text.charAt(headEnd))) headEnd++;
  let tailStart = end;
  while (tailStart > headEnd && SPACE.test(text.charAt(tailStart - 1))) tailStart--;
  const close = " ".repeat(open.fence.indent) + open.fence.fence;
  const overhead = open.line.length + close.length + 2;
  return {
    start: open.start,
    bodyStart: open.bodyStart,
    headEnd,
    tailStart,
    end,
    closeEnd,
    open: open.line,
    close,
    overhead,
  };
}

/**
 * Prepares Markdown for cutting: "\r\n" → "\n", whitespace-only lines emptied, code fences found.
 * A cut prefers, in the second half of the room, a blank line, then a line break, then a space after
 * a word; then the same in the first half; then any place that does not split a character.
 */
export function createCutter(input: string): Cutter & { readonly text: string } {
  const text = input.replace(/\r\n?/g, "\n").replace(/^[ \t]+$/gm, "");
  const n = text.length;
  const spans = findSpans(text);
  // Fences are handled only when their lines take at most half a chunk; else they are cut as text.
  let size = 0;

  /** The handled span whose start is before `p` and whose closing line ends at or after it. */
  const spanAt = (p: number): Span | undefined => {
    let lo = 0;
    let hi = spans.length - 1;
    let found: Span | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = spans[mid] as Span;
      if (s.start < p) {
        found = s;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found && found.overhead <= size / 2 && p <= found.closeEnd ? found : undefined;
  };
  /** In a code body: a chunk ending here needs a closing fence, one starting here an opening one. */
  const inside = (p: number) => {
    const s = spanAt(p);
    return s && p >= s.bodyStart && p < s.end ? s : undefined;
  };
  /** Cutting here would leave an empty code block (after the opening fence or before the closing). */
  const excluded = (p: number) => {
    const s = spanAt(p);
    return s !== undefined && ((p > s.start && p <= s.headEnd) || (p >= s.tailStart && p < s.closeEnd));
  };
  // Searches walk back from `hi` and stop at `lo` (lastIndexOf would go on to the start: quadratic).
  /** The last "\n" in [lo, hi] (followed by another "\n" when `paragraph`) where a cut is allowed. */
  const lastBreak = (lo: number, hi: number, paragraph: boolean): number => {
    for (let p = Math.min(hi, n - 1); p >= lo; p--) {
      if (text.charCodeAt(p) !== 10 || (paragraph && text.charCodeAt(p + 1) !== 10)) continue;
      if (!excluded(p)) return p;
    }
    return -1;
  };
  /** The last run of spaces after a word (not indentation) starting in [lo, hi]: the cut is its start. */
  const lastSpace = (pos: number, lo: number, hi: number): number => {
    for (let p = Math.min(hi, n - 1); p >= lo; p--) {
      if (text.charCodeAt(p) !== 32) continue;
      while (p > pos && (text.charAt(p - 1) === " " || text.charAt(p - 1) === "\t")) p--;
      if (p >= lo && text.charAt(p - 1) !== "\n" && !excluded(p)) return p;
    }
    return -1;
  };
  const findCut = (pos: number, budget: number): number => {
    const hi = pos + budget;
    const half = Math.max(pos + 1, pos + (budget >> 1));
    for (const [lo, top] of [
      [half, hi],
      [pos + 1, half - 1],
    ] as const) {
      const paragraph = lastBreak(lo, top, true);
      if (paragraph >= 0) return paragraph;
      const line = lastBreak(lo, top, false);
      if (line >= 0) return line;
      const space = lastSpace(pos, lo, top);
      if (space >= 0) return space;
    }
    const p = cutBefore(text, hi, pos);
    const s = excluded(p) ? spanAt(p) : undefined;
    // A hard cut inside a fence line or next to an empty end of the body: cut before it if possible.
    const before = s ? (p <= s.headEnd ? s.start : cutBefore(text, s.tailStart - 1, pos)) : p;
    return before > pos ? before : p;
  };
  const skip = (p: number): number => {
    let q = p;
    while (q < n && (text.charAt(q) === " " || text.charAt(q) === "\t")) q++;
    while (q < n && text.charAt(q) === "\n") q++;
    return q;
  };

  const cut = (pos: number, limit: number) => {
    size = limit;
    const reopen = inside(pos);
    const open = reopen ? `${reopen.open}\n` : "";
    const room = limit - open.length;
    if (n - pos <= room) return { segment: { open, body: text.slice(pos).trimEnd(), close: "" }, next: n };
    let reserve = 0;
    let at = pos + 1;
    let close = "";
    for (;;) {
      at = findCut(pos, room - reserve);
      const s = inside(at);
      close = s ? `\n${s.close}` : "";
      if (close.length <= reserve) break;
      reserve = close.length;
    }
    return { segment: { open, body: text.slice(pos, at).trimEnd(), close }, next: skip(at) };
  };
  return { text, first: skip(0), end: n, cut };
}

/** Every segment of `text` cut at most `limit` long, in order; segments with a blank body are left out. */
export function cutAll(text: string, limit: number): Segment[] {
  const cutter = createCutter(text);
  const out: Segment[] = [];
  for (let pos = cutter.first; pos < cutter.end; ) {
    const { segment, next } = cutter.cut(pos, limit);
    if (segment.body.trim() !== "") out.push(segment);
    pos = next;
  }
  return out;
}
