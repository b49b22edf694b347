import { markdownToTelegramHtml } from "../../handlers/telegram/format.ts";
import { safeHtml } from "./html.ts";

/** Markdown (as Discord shows it) → safe HTML for the page, through the relay's own renderer. */
export function markdownHtml(markdown: string): string {
  return safeHtml(markdownToTelegramHtml(markdown));
}
