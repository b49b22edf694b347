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
  checkLimit(limit, "renderChunks");
  const out: string[] = [];
  const cutter = createCutter(markdown);
  // Growth of the last chunk that fitted: the next one starts that much smaller, to render once.
  let growth = 1;
  for (let pos = cutter.first; pos < cutter.end; ) {
    let size = Math.max(MIN_SPLIT_LIMIT, Math.floor(limit / growth));
    for (;;) {
      const { segment, next } = cutter.cut(pos, size);
      // Only the fences the cutter added (an empty code block): nothing to send.
      if (segment.body.trim() === "") {
        pos = next;
        break;
      }
      const chunk = join(segment);
      const rendered = render(chunk);
      if (rendered.length <= limit || size <= MIN_SPLIT_LIMIT) {
        if (rendered.length <= limit) keep(out, rendered);
        else renderSmaller(chunk, render, limit, out);
        growth = Math.max(1, Math.min(2, rendered.length / Math.max(1, chunk.length)));
        pos = next;
        break;
      }
      // Shrink in proportion to the growth, with a little margin; strictly, so this loop ends.
      const smaller = Math.floor((chunk.length * limit * 0.98) / rendered.length);
      size = Math.max(MIN_SPLIT_LIMIT, Math.min(size - 1, smaller));
    }
  }
  return out;
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
