import type { Inline } from "./ast.ts";

// Emphasis as in the CommonMark spec's "process emphasis" procedure: the inline scanner leaves a
// linked list of tokens, delimiter runs (`*`, `_`, `~~`) also linked among themselves; pairing a
// closer with the nearest fitting opener wraps the tokens between them into one node.

/** A token of the inline scanner: a finished node, or a delimiter run waiting to be paired. */
export interface Tok {
  node: Inline | null;
  ch: string;
  count: number;
  orig: number;
  canOpen: boolean;
  canClose: boolean;
  prev: Tok | null;
  next: Tok | null;
  dprev: Tok | null;
  dnext: Tok | null;
}

/** Deeper emphasis nesting than this is flattened to text, so recursive renderers stay shallow. */
export const MAX_INLINE_DEPTH = 16;

const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /\s/u;
const ASCII_PUNCT = /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/;

// ASCII first: the Unicode property classes are slow, and nearly every neighbour is ASCII.
const isSpace = (c: string) => c === "" || (c.charCodeAt(0) < 128 ? c.charCodeAt(0) <= 32 : SPACE.test(c));
const isPunct = (c: string) => c !== "" && (c.charCodeAt(0) < 128 ? ASCII_PUNCT.test(c) : PUNCT.test(c));

/** A token holding a finished node (or, with null, a blank delimiter to fill in). */
export function token(node: Inline | null): Tok {
  return {
    node,
    ch: "",
    count: 0,
    orig: 0,
    canOpen: false,
    canClose: false,
    prev: null,
    next: null,
    dprev: null,
    dnext: null,
  };
}

/** A delimiter run; `before`/`after` are the characters around it ("" at the edges). */
export function delimiter(ch: string, count: number, before: string, after: string): Tok {
  const spaceBefore = isSpace(before);
  const spaceAfter = isSpace(after);
  const punctBefore = isPunct(before);
  const punctAfter = isPunct(after);
  const left = !spaceAfter && (!punctAfter || spaceBefore || punctBefore);
  const right = !spaceBefore && (!punctBefore || spaceAfter || punctAfter);
  const tok = token(null);
  tok.ch = ch;
  tok.count = count;
  tok.orig = count;
  // `_` may not open or close inside a word (snake_case_names stay as they are).
  tok.canOpen = ch === "_" ? left && (!right || punctBefore) : left;
  tok.canClose = ch === "_" ? right && (!left || punctAfter) : right;
  return tok;
}

/** Pairs the delimiter runs from `first` on into strong / emphasis / strike nodes. */
export function processEmphasis(first: Tok | null): void {
  // Lowest opener worth searching, per closer kind: keeps unmatched runs from making this quadratic.
  const bottoms = new Map<string, Tok | null>();
  let closer = first;
  while (closer) {
    if (!closer.canClose) {
      closer = closer.dnext;
      continue;
    }
    const key = `${closer.ch}${closer.canOpen ? 1 : 0}${closer.orig % 3}`;
    const bottom = bottoms.get(key);
    let opener = closer.dprev;
    while (opener && opener !== bottom && !pairs(opener, closer)) opener = opener.dprev;
    if (!opener || opener === bottom) {
      bottoms.set(key, closer.dprev);
      const next: Tok | null = closer.dnext;
      if (!closer.canOpen) unlinkDelim(closer);
      closer = next;
      continue;
    }
    const use = closer.ch === "~" ? 2 : opener.count >= 2 && closer.count >= 2 ? 2 : 1;
    const type = closer.ch === "~" ? "delete" : use === 2 ? "strong" : "emphasis";
    const wrapped = token({ type, children: collect(opener.next, closer) });
    wrapped.prev = opener;
    wrapped.next = closer;
    opener.next = wrapped;
    closer.prev = wrapped;
    opener.dnext = closer;
    closer.dprev = opener;
    opener.count -= use;
    closer.count -= use;
    if (opener.count === 0) unlinkTok(opener);
    if (closer.count === 0) {
      const next: Tok | null = closer.dnext;
      unlinkTok(closer);
      closer = next;
    }
  }
}

function pairs(opener: Tok, closer: Tok): boolean {
  if (opener.ch !== closer.ch || !opener.canOpen) return false;
  if (closer.ch === "~") return true;
  // CommonMark's "rule of 3" for runs that can both open and close.
  const both = opener.canClose || closer.canOpen;
  return !(
    both &&
    (opener.orig + closer.orig) % 3 === 0 &&
    !(opener.orig % 3 === 0 && closer.orig % 3 === 0)
  );
}

function unlinkDelim(tok: Tok): void {
  if (tok.dprev) tok.dprev.dnext = tok.dnext;
  if (tok.dnext) tok.dnext.dprev = tok.dprev;
}

function unlinkTok(tok: Tok): void {
  unlinkDelim(tok);
  if (tok.prev) tok.prev.next = tok.next;
  if (tok.next) tok.next.prev = tok.prev;
}

/** The nodes from `from` up to (not including) `stop`; unpaired delimiters become text. */
export function collect(from: Tok | null, stop: Tok | null): Inline[] {
  const out: Inline[] = [];
  for (let tok = from; tok && tok !== stop; tok = tok.next) {
    const node: Inline = tok.node ?? { type: "text", value: tok.ch.repeat(tok.count) };
    const last = out[out.length - 1];
    if (node.type === "text" && last?.type === "text") {
      out[out.length - 1] = { type: "text", value: last.value + node.value };
    } else if (node.type !== "text" || node.value !== "") {
      out.push(node);
    }
  }
  return out;
}

/** Caps nesting at MAX_INLINE_DEPTH: deeper subtrees become their text (markers dropped). */
export function capDepth(nodes: Inline[], depth = 0): Inline[] {
  if (depth < MAX_INLINE_DEPTH) {
    return nodes.map((node) =>
      node.type === "text" || node.type === "inlineCode"
        ? node
        : { ...node, children: capDepth(node.children, depth + 1) },
    );
  }
  return [{ type: "text", value: flatText(nodes) }];
}

/** The text of a subtree without recursion (it may be deep). */
function flatText(nodes: Inline[]): string {
  const stack: Inline[] = [...nodes].reverse();
  let out = "";
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === "text" || node.type === "inlineCode") {
      out += node.value;
      continue;
    }
    if (node.type === "link") stack.push({ type: "text", value: ` (${node.url})` });
    for (let k = node.children.length - 1; k >= 0; k--) stack.push(node.children[k] as Inline);
  }
  return out;
}
