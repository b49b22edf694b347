/**
 * `bun run bench/whatsapp-stream.ts`: how a streamed answer would show on WhatsApp (no edits exist) if
 * it were sent whole once written ("hold") or block by block as blocks finish ("blocks"), for typical long
 * answers written at a model's pace. A model of the timing, not of the network: the agent's pieces arrive
 * on the timeline below, a message shows the moment it is sent; sizes and splits are the product's
 * (handlers/whatsapp/format.ts, core/text/split.ts). What it prints is what handlers/whatsapp/README.md
 * reports.
 *
 * Strategies, each measured from the agent's first text: `hold` sends the answer once written (split at
 * 4096 as every answer is); `blocks` sends each finished block (paragraph, whole list, whole code block,
 * never cut inside one) as soon as it finishes; `blocks, paired` the same, but never two messages to one
 * user within 6 s (Meta's pair rate, error 131056): finished blocks wait and go together; `first block,
 * then the rest` sends the first finished block at once and the rest whole once written (6 s later at
 * the earliest).
 */
import { isFenceClose, matchFenceOpen } from "../handlers/core/text/fence.ts";
import { renderChunks } from "../handlers/core/text/split.ts";
import { markdownToWhatsApp } from "../handlers/whatsapp/format.ts";
import { table } from "./lib/markdown.ts";

/** Meta's pair rate: one message to the same user every 6 s. */
export const PAIR_RATE_MS = 6_000;
const LIMIT = 4096;

/** A piece of the answer and when it arrived (ms after the first). */
export interface Timed {
  readonly at: number;
  readonly text: string;
}

/** When each message showed, and what it held (rendered). */
export interface Shown {
  readonly at: number;
  readonly text: string;
}

const LIST_ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])\s/;

/**
 * Where the finished blocks of `markdown` (an answer still being written) end: offsets after which no
 * later text can change the block before. A block ends at a blank line outside a code fence; a list only
 * once the next line is complete and does not carry it on (another item, an indented line). The last
 * block is never finished here: the end of the answer finishes it.
 */
export function finishedBlocks(markdown: string): number[] {
  const ends: number[] = [];
  const lines = markdown.split("\n");
  const complete = lines.length - 1; // the last line may still grow
  let fence: ReturnType<typeof matchFenceOpen> = null;
  let start = 0; // offset of the current line
  let blockIsList = false;
  let blockHasText = false;
  let pendingEnd: number | undefined; // a blank line after a block: where it would end
  for (let i = 0; i < complete; i++) {
    const line = lines[i] ?? "";
    const next = start + line.length + 1;
    if (fence) {
      if (isFenceClose(line, fence)) fence = null;
    } else if (line.trim() === "") {
      // A blank line ends a paragraph (or anything but a list) for good; a list may go on after it.
      if (blockHasText && !blockIsList) {
        ends.push(start);
        blockHasText = false;
      } else if (blockHasText && pendingEnd === undefined) pendingEnd = start;
    } else {
      const continues = blockIsList && (LIST_ITEM.test(line) || /^\s{2,}\S/.test(line));
      if (pendingEnd !== undefined && !continues) {
        ends.push(pendingEnd);
        blockIsList = false;
      }
      if (!blockHasText || (pendingEnd !== undefined && !continues)) blockIsList = LIST_ITEM.test(line);
      pendingEnd = undefined;
      blockHasText = true;
      fence = matchFenceOpen(line);
    }
    start = next;
  }
  return ends;
}

/** Every message of the answer at once, when it is written. */
export function hold(pieces: readonly Timed[]): Shown[] {
  const end = pieces.at(-1)?.at ?? 0;
  const text = pieces.map((p) => p.text).join("");
  return renderChunks(text, markdownToWhatsApp, LIMIT).map((part) => ({ at: end, text: part }));
}

/** Finished blocks as they finish; with `gapMs`, never two messages closer than that (they wait and join). */
export function blocks(pieces: readonly Timed[], gapMs = 0): Shown[] {
  const shown: Shown[] = [];
  let text = "";
  let sentTo = 0;
  let last = -Infinity;
  const send = (at: number, to: number) => {
    const markdown = text.slice(sentTo, to).trim();
    if (markdown === "") return;
    for (const part of renderChunks(markdown, markdownToWhatsApp, LIMIT)) shown.push({ at, text: part });
    sentTo = to;
    last = at;
  };
  for (const [i, piece] of pieces.entries()) {
    text += piece.text;
    const ready = finishedBlocks(text)
      .filter((end) => end > sentTo)
      .at(-1);
    const nextAt = pieces[i + 1]?.at ?? Infinity;
    // Waiting blocks go at the first moment the gap allows, even between two pieces.
    const at = Math.max(piece.at, last + gapMs);
    if (ready !== undefined && at < nextAt) send(at, ready);
  }
  send(Math.max(pieces.at(-1)?.at ?? 0, last + gapMs), text.length);
  return shown;
}

/** The first finished block as soon as it finishes, the rest whole once written (at least `gapMs` later). */
export function firstThenRest(pieces: readonly Timed[], gapMs = PAIR_RATE_MS): Shown[] {
  let text = "";
  for (const piece of pieces) {
    text += piece.text;
    const [end] = finishedBlocks(text);
    if (end === undefined) continue;
    const rest = pieces.slice(pieces.indexOf(piece) + 1);
    if (rest.length === 0) break;
    const first = renderChunks(text.slice(0, end), markdownToWhatsApp, LIMIT).map((t) => ({
      at: piece.at,
      text: t,
    }));
    const later = hold([{ at: 0, text: text.slice(end) }, ...rest]).map((shown) => ({
      ...shown,
      at: Math.max(shown.at, piece.at + gapMs),
    }));
    return [...first, ...later];
  }
  return hold(pieces);
}

/** A typical long answer of an engineering agent: an intro, a list, a code block, explanation, a table. */
export const LONG_ANSWER = [
  "The deploy failed because the worker cannot read the **send ledger**: its role lacks `dynamodb:PutItem` on the table, so every attempt ends in an AccessDenied and the message goes back to the queue.",
  "What I checked:\n\n1. The worker's log: `ledger.write_failed` on every message since 14:02\n2. The role's policy: the table ARN is the *old* table's\n3. The queue: 41 messages waiting, none in the DLQ yet",
  'The fix is one line in the module call:\n\n```hcl\nmodule "telegram" {\n  source       = "./modules/telegram"\n  ledger_table = aws_dynamodb_table.ledger.name\n}\n```',
  "Then `terraform apply` replaces the policy in place; nothing is recreated, and the waiting messages are answered within a minute as SQS brings them back. None is lost: they stay on the queue for four days, and each is answered once because the ledger records what was sent.",
  "| step | time |\n| --- | --- |\n| plan | 20 s |\n| apply | 40 s |\n| queue drained | < 1 min |",
  "If the DLQ is not empty afterwards, redrive it from the console: the ledger makes a redrive safe.",
].join("\n\n");

/** `text` written at `charsPerSecond` in word-sized pieces, with `pauses` (ms) after the given paragraphs. */
export function written(text: string, charsPerSecond: number, pauses: Record<number, number> = {}): Timed[] {
  const pieces: Timed[] = [];
  let at = 0;
  let paragraph = 0;
  for (const word of text.split(/(?<=\s)(?=\S)/)) {
    pieces.push({ at: Math.round(at), text: word });
    at += (word.length / charsPerSecond) * 1000;
    if (/\n\n$/.test(word)) at += pauses[paragraph++] ?? 0;
  }
  return pieces;
}

/** The profiles measured: a model writing at ~60 tokens/s, and one that says a line and calls a tool. */
export const PROFILES: Record<string, Timed[]> = {
  "writes it at once (240 chars/s)": written(LONG_ANSWER, 240),
  "a paragraph, a 20-s tool call, the rest": written(LONG_ANSWER, 240, { 0: 20_000 }),
  "slow model (60 chars/s)": written(LONG_ANSWER, 60),
};

/** First visible, last visible (s after the first text), messages, and gaps under the pair rate. */
export function measure(shown: readonly Shown[]) {
  const at = shown.map((s) => s.at);
  const tooClose = at.slice(1).filter((t, i) => t - (at[i] ?? 0) < PAIR_RATE_MS).length;
  return { first: (at[0] ?? 0) / 1000, last: (at.at(-1) ?? 0) / 1000, messages: shown.length, tooClose };
}

if (import.meta.main) {
  const rows: string[][] = [];
  for (const [profile, pieces] of Object.entries(PROFILES)) {
    const strategies = {
      hold: hold(pieces),
      blocks: blocks(pieces),
      "blocks, paired": blocks(pieces, PAIR_RATE_MS),
      "first block, then the rest": firstThenRest(pieces),
    };
    for (const [name, shown] of Object.entries(strategies)) {
      const m = measure(shown);
      rows.push([
        profile,
        name,
        m.first.toFixed(1),
        m.last.toFixed(1),
        String(m.messages),
        String(m.tooClose),
      ]);
    }
  }
  console.log(
    `A ${LONG_ANSWER.length}-character answer (rendered: ${markdownToWhatsApp(LONG_ANSWER).length}), seconds after the agent's first text:\n`,
  );
  console.log(
    table(["agent", "strategy", "first visible (s)", "all visible (s)", "messages", "< 6 s apart"], rows),
  );
}
