// Where text may be cut without breaking a character: never inside a surrogate pair, and where
// Intl.Segmenter is available, never inside a grapheme cluster (👨‍👩‍👧, 🇺🇸, e + combining accent).

let segmenter: Intl.Segmenter | undefined;

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The last position ≤ `p` and > `min` that does not split a character. When the character at `min`
 * alone is longer than `p - min`, the position after it (the caller asked for too little room).
 */
export function cutBefore(text: string, p: number, min: number): number {
  if (p >= text.length) return text.length;
  if (p <= min) return nextCodePoint(text, min);
  // Below U+0300 nothing combines with its neighbour (no marks, joiners, flags, Hangul): a boundary.
  if (text.charCodeAt(p - 1) < 0x300 && text.charCodeAt(p) < 0x300) return p;
  if (typeof Intl.Segmenter === "function") {
    segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
    // Clusters are short: look at a window around p. Its first boundary (`from`) is not a real one
    // unless it is `min`.
    const from = Math.max(min, p - 64);
    let best = -1;
    for (const { index } of segmenter.segment(text.slice(from, p + 64))) {
      const at = from + index;
      if (at > p) break;
      if (at > from) best = at;
    }
    if (best > min) return best;
  }
  if (isLow(text.charCodeAt(p)) && isHigh(text.charCodeAt(p - 1))) {
    return p - 1 > min ? p - 1 : p + 1;
  }
  return p;
}

function nextCodePoint(text: string, p: number): number {
  return isHigh(text.charCodeAt(p)) && isLow(text.charCodeAt(p + 1)) ? p + 2 : p + 1;
}
