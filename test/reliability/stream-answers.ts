/**
 * The answers of the kill-mid-stream runs (stream-kills.ts): Markdown with the run's token, the pieces the
 * agent streams, the texts Telegram shows for them, and whether a chat holds them in order.
 */
import { parseEntities } from "../../emulators/telegram-entities.ts";
import { renderChunks } from "../../handlers/core/text/split.ts";
import { markdownToTelegramHtml } from "../../handlers/telegram/format.ts";
import type { Rng } from "./rng.ts";

const LOREM =
  "the worker reads the agent as it writes and shows each new state of the answer in place until it is done".split(
    " ",
  );

/** An answer in Markdown with the run's token, `words` long, in paragraphs with some formatting. */
export function answerOf(rng: Rng, token: string, words: number): string {
  const out: string[] = [`**${token}**`];
  for (let i = 0; i < words; i++) {
    const word = rng.pick(LOREM);
    out.push(rng.chance(0.04) ? `\`${word}\`` : rng.chance(0.04) ? `*${word}*` : word);
    if (rng.chance(0.05)) out.push("\n\n");
  }
  return out.join(" ").replace(/ ?\n\n ?/g, "\n\n");
}

/** The answer as the agent streams it: pieces of a few words. */
export function pieces(text: string, size: number): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out;
}

/** The texts Telegram shows for an answer: its parts, rendered, without markup. */
export function shownTexts(markdown: string): string[] {
  return renderChunks(markdown, markdownToTelegramHtml, 4096).map((html) => {
    const parsed = parseEntities(html, "HTML");
    return parsed.ok ? parsed.text : html;
  });
}

/** Whether `want` is, in order, within `have`. */
export function inOrder(have: readonly string[], want: readonly string[]): boolean {
  let at = 0;
  for (const text of have) if (text === want[at]) at += 1;
  return at === want.length;
}
