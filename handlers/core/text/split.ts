import { createCutter, cutAll, type Segment } from "./cutter.ts";
import { cutBefore } from "./graphemes.ts";

/** Smallest `limit` renderChunks accepts: room for a reopened code fence and some text. */
export const MIN_SPLIT_LIMIT = 16;

/**
 * Splits Markdown into chunks and renders each. A chunk is cut at a blank line if one falls in the
 * second half of it, else at a line break, else after a word, else anywhere but inside a character
 * (surrogate pair or grapheme cluster); a code block cut in two is closed at the end of one chunk and
 * reopened, with the same fence and language, at the start of the next. A chunk whose rendering is
 * longer than `limit` (escaping grows text: & → &amp;) is cut again, smaller, from the same place, so
 * every result is at most `limit` long. Chunks that are or render to whitespace are dropped. Deterministic;
 * ends on any input.
 * @example renderChunks(answer, markdownToTelegramHtml, 4096)
 */
export function renderChunks(markdown: string, render: (md: string) => string, limit: number): string[] {
  return [...splitPieces(markdown, render, limit)].flatMap((piece) => piece.texts);
}

/** A chunk rendered, with the Markdown it renders from where it is one chunk's whole rendering. */
export interface Chunk {
  readonly text: string;
  /** Undefined for the pieces of a chunk that rendered too long even at the smallest size. */
  readonly markdown?: string;
}

/** What {@link renderChunks} gives, each with its Markdown. */
export function splitChunks(markdown: string, render: (md: string) => string, limit: number): Chunk[] {
  return [...splitPieces(markdown, render, limit)].flatMap(chunksOf);
}

/** A piece's chunks. */
export function chunksOf(piece: Piece): Chunk[] {
  const [only] = piece.texts;
  if (piece.texts.length === 1 && only !== undefined) return [{ text: only, markdown: piece.markdown }];
  return piece.texts.map((text) => ({ text }));
}

/** Where a split stands: the offset in the normalised text, and how much the last chunk grew rendered. */
export interface SplitPoint {
  readonly pos: number;
  readonly growth: number;
}

/** One cut of the Markdown and what it renders to. */
export interface Piece {
  /** The rendered chunks (none when it renders to nothing; more than one only past a tiny limit). */
  readonly texts: string[];
  /** The Markdown they render from: the cut, a code block it cuts closed and reopened. */
  readonly markdown: string;
  /** Where it starts in the normalised text ({@link normalise}). */
  readonly start: number;
  /** Where the next piece starts, and the growth it starts with. */
  readonly next: SplitPoint;
  /** Whether the text went on past this piece's room: it was cut, not the end. */
  readonly cut: boolean;
  /** How far into the text the cut looked: text after it cannot move the cut. */
  readonly reach: number;
}

/** The text the split works on: "\r\n" → "\n", whitespace-only lines emptied (offsets are into it). */
export function normalise(markdown: string): string {
  return createCutter(markdown).text;
}

/**
 * The pieces {@link renderChunks} cuts, one at a time, from `from` on (a point an earlier split of a
 * shorter version of the same text reached: a stream's finished parts are not cut again).
 */
export function* splitPieces(
  markdown: string,
  render: (md: string) => string,
  limit: number,
  from?: SplitPoint,
): Generator<Piece> {
  checkLimit(limit, "renderChunks");
  const cutter = createCutter(markdown);
  // Growth of the last chunk that fitted: the next one starts that much smaller, to render once.
  let growth = from?.growth ?? 1;
  for (let pos = Math.max(from?.pos ?? 0, cutter.first); pos < cutter.end; ) {
    let size = Math.max(MIN_SPLIT_LIMIT, Math.floor(limit / growth));
    // The cuts look one character past their room (a blank line is two line breaks), the first the widest.
    const reach = pos + size + 1;
    for (;;) {
      const { segment, next } = cutter.cut(pos, size);
      const cut = next < cutter.end;
      // Only the fences the cutter added (an empty code block): nothing to send.
      if (segment.body.trim() === "") {
        yield { texts: [], markdown: "", start: pos, next: { pos: next, growth }, cut, reach };
        pos = next;
        break;
      }
      const chunk = join(segment);
      const rendered = render(chunk);
      if (rendered.length <= limit || size <= MIN_SPLIT_LIMIT) {
        const texts: string[] = [];
        if (rendered.length <= limit) keep(texts, rendered);
        else renderSmaller(chunk, render, limit, texts);
        growth = Math.max(1, Math.min(2, rendered.length / Math.max(1, chunk.length)));
        yield { texts, markdown: chunk, start: pos, next: { pos: next, growth }, cut, reach };
        pos = next;
        break;
      }
      // Shrink in proportion to the growth, with a little margin; strictly, so this loop ends.
      const smaller = Math.floor((chunk.length * limit * 0.98) / rendered.length);
      size = Math.max(MIN_SPLIT_LIMIT, Math.min(size - 1, smaller));
    }
  }
}

/**
 * The Markdown from `pos` (in the normalised text) to the end, a code block it starts inside reopened
 * with its fence: what a last chunk from there would hold.
 */
export function restFrom(markdown: string, pos: number): string {
  const cutter = createCutter(markdown);
  if (pos >= cutter.end) return "";
  return join(cutter.cut(pos, Number.MAX_SAFE_INTEGER).segment);
}

/** Last resort for a small chunk still rendering too long: split it below the usual minimum. */
function renderSmaller(chunk: string, render: (md: string) => string, limit: number, out: string[]): void {
  for (const segment of cutAll(chunk, Math.max(1, chunk.length >> 1))) {
    const piece = join(segment);
    const rendered = render(piece);
    if (rendered.length <= limit) keep(out, rendered);
    else if (piece.length < chunk.length) renderSmaller(piece, render, limit, out);
    // A single character that renders longer than the limit: only a strange `render` gets here.
    else keep(out, rendered.slice(0, cutBefore(rendered, limit, 0)));
  }
}

function keep(out: string[], rendered: string): void {
  if (rendered.trim() !== "") out.push(rendered);
}

function join({ open, body, close }: Segment): string {
  return open + body + close;
}

function checkLimit(limit: number, name: string): void {
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`${name}: limit must be an integer ≥ ${MIN_SPLIT_LIMIT}, got ${limit}`);
  }
}
