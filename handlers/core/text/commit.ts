import { heal } from "./heal.ts";

/** Word boundaries looked at, from the end, before settling for the start of the last line. */
const MAX_BOUNDARIES = 48;

/**
 * The longest part of a growing answer that can go to a surface that only appends (Slack's streams):
 * what is sent there can never be closed or taken back, so nothing may be sent that the rest of the
 * answer could still change. That is a prefix ending at a word boundary (or the whole text) that heal()
 * leaves as it is: no emphasis, code span or link left open, no block start half typed, no table row
 * before its delimiter row. An open code block is fine (its lines show as code as they come).
 *
 * Each call looks only at the text given, so a caller appending deltas checks that the new prefix still
 * extends what it sent (it does whenever the search reaches that far back; else it waits).
 * @example committable("Some **bold te") // "Some "
 */
export function committable(markdown: string): string {
  const text = markdown.replace(/\r\n?/g, "\n");
  if (heal(text) === text) return text;
  const lineStart = text.lastIndexOf("\n") + 1;
  let end = text.length;
  for (let tried = 0; tried < MAX_BOUNDARIES; tried++) {
    end = lastSpace(text, end - 1, lineStart);
    if (end <= lineStart) break;
    const prefix = text.slice(0, end);
    if (heal(prefix) === prefix) return prefix;
  }
  // Back line by line: a whole earlier line is clean unless a construct spans lines (a table, a list).
  for (let at = lineStart; at > 0; at = text.lastIndexOf("\n", at - 2) + 1) {
    const prefix = text.slice(0, at);
    if (heal(prefix) === prefix) return prefix;
  }
  return "";
}

/** The offset just past the last space or tab before `from` (and after `floor`), or `floor`. */
function lastSpace(text: string, from: number, floor: number): number {
  for (let i = from - 1; i >= floor; i--) if (text[i] === " " || text[i] === "\t") return i + 1;
  return floor;
}
