import { heal } from "../text/heal.ts";
import {
  type Chunk,
  chunksOf,
  normalise,
  renderChunks,
  restFrom,
  type SplitPoint,
  splitPieces,
} from "../text/split.ts";

/**
 * What a growing answer shows: the parts already full (frozen: their text is final and never changes
 * again) and the part still growing (live). A part freezes once the answer has gone past the platform's
 * limit in it and the cut the splitter makes there can no longer move: the text covers the cut's whole
 * window, up to a complete line. So the frozen parts are the parts the whole answer will be split into,
 * and the final messages are the non-streaming rendering, part by part.
 */
export interface View {
  /** Parts that froze since `from`: their final text (and the Markdown it renders from). */
  readonly frozen: readonly Chunk[];
  /** Where the live part starts (the next view starts there). */
  readonly from: SplitPoint;
  /** The live part as it shows now (healed, rendered, at most `limit` long); "" when there is nothing yet. */
  readonly live: string;
}

/** The start of an answer's split. */
export const START: SplitPoint = { pos: 0, growth: 1 };

/**
 * The view of `markdown` (the answer so far) from `from` (where the previous view's live part started).
 * @example let at = START; const { frozen, live, from } = viewOf(text, render, 4096, at); at = from;
 */
export function viewOf(
  markdown: string,
  render: (md: string) => string,
  limit: number,
  from: SplitPoint,
): View {
  // Lines still being written may change how they split (a whitespace-only line is emptied, "\r" waits for
  // its "\n"): a cut freezes only when the window it looked at ends before the last complete line.
  const text = normalise(markdown);
  const stable = text.lastIndexOf("\n");
  const frozen: Chunk[] = [];
  let at = from;
  for (const piece of splitPieces(text, render, limit, from)) {
    if (!piece.cut || piece.reach >= stable) break;
    frozen.push(...chunksOf(piece));
    at = piece.next;
  }
  const rest = heal(restFrom(text, at.pos));
  const rendered = rest.trim() === "" ? "" : render(rest);
  const live = rendered.length <= limit ? rendered : (renderChunks(rest, render, limit)[0] ?? "");
  return { frozen, from: at, live: live.trim() === "" ? "" : live };
}
