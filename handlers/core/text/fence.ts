// Code fence lines, shared by the lexer and the splitter so both agree on where code blocks are.

/** An opening fence line: its indentation, fence characters and info string. */
export interface FenceOpen {
  readonly indent: number;
  readonly fence: string;
  readonly info: string;
}

const OPEN = /^( *)(`{3,}|~{3,})(.*)$/;
const CLOSE = /^ *(`{3,}|~{3,})[ \t]*$/;

/** Reads an opening fence (``` or ~~~, any indentation, optional info string), or null. */
export function matchFenceOpen(line: string): FenceOpen | null {
  const m = OPEN.exec(line);
  if (!m) return null;
  const fence = m[2] ?? "";
  const info = (m[3] ?? "").trim();
  // A backtick fence's info string cannot hold a backtick (it would be inline code).
  if (fence[0] === "`" && info.includes("`")) return null;
  return { indent: m[1]?.length ?? 0, fence, info };
}

/** Whether `line` closes the fence: same character, at least as long, nothing else but spaces. */
export function isFenceClose(line: string, open: FenceOpen): boolean {
  const m = CLOSE.exec(line);
  const fence = m?.[1];
  return fence !== undefined && fence[0] === open.fence[0] && fence.length >= open.fence.length;
}
