import { escapeHtml } from "./html.ts";

/** A file the bot sent, as the emulator page shows it. */
export interface ShownFile {
  readonly name: string | undefined;
  readonly mime: string;
  readonly bytes: Uint8Array | undefined;
}

/** Image types the page draws inline (the rest shows as a file card). */
const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** Larger images show as a card: the page's state stays small. */
const INLINE_MAX_BYTES = 512 * 1024;

/**
 * A file as the platform shows it: an image inline (a data: URL of its bytes), anything else as a card with
 * its name, type and size; the caption below, escaped. Safe HTML: only an `img` with a data: URL of an
 * image type, and escaped text.
 */
export function fileHtml(file: ShownFile, caption?: string): string {
  const size = file.bytes?.byteLength;
  const label = `${file.name ?? "file"} · ${file.mime}${size === undefined ? "" : ` · ${formatSize(size)}`}`;
  const shown =
    file.bytes && INLINE.has(file.mime) && file.bytes.byteLength <= INLINE_MAX_BYTES
      ? `<img class="attachment" alt="${escapeHtml(file.name ?? "image")}" src="data:${file.mime};base64,${Buffer.from(file.bytes).toString("base64")}">`
      : `<span class="attachment">📎 ${escapeHtml(label)}</span>`;
  return caption ? `${shown}<br>${escapeHtml(caption)}` : shown;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
