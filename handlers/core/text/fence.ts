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

/**
 * Text that can never open or close a ``` code block where three backticks do (Slack, Discord,
 * WhatsApp): a zero-width space goes into every run of three or more, so no three stand together.
 * @example breakFences("a ``` b") // "a ``\u200b` b"
 */
export function breakFences(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.replace(/``(?=`)/g, "``\u200b"));
}

/** A ``` code block in rendered output (after {@link breakFences}, its content holds no ```). */
export const FENCED_BLOCK = /```[\s\S]*?```/;
