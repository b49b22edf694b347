import * as v from "valibot";
import { log } from "../log.ts";

/**
 * Files the agent sends back (docs/agent-contract.md, "Sending files"): an answer is text, and beside it
 * the files the agent names, each by exactly one of
 *
 * - `url`: an HTTPS URL the worker downloads (core/media/fetch-out.ts: no internal addresses, capped);
 * - `s3`: an `s3://` URI in the module's media bucket (the agent writes under `outbound/`);
 * - `base64`: the bytes themselves (small files; capped like the others);
 *
 * with `mime` (the type; a download's Content-Type when left out), `name` (the file name users see) and an
 * optional `caption`. They come as `{"text": "…", "attachments": [ … ]}` (a JSON answer, or an event of a
 * stream), or as Markdown images `![alt](https://…)` in the text. They are sent after the text is final.
 */

/** Most characters of a base64 file in an answer (about 3 MB of bytes); bigger files go by `url` or `s3`. */
export const MAX_BASE64_CHARS = 4 * 1024 * 1024;
/** Most files of one answer. */
export const MAX_FILES = 10;

/** One file of an agent's answer (or of a message it starts), as written. */
export const AgentFileSchema = v.pipe(
  v.object({
    url: v.optional(v.pipe(v.string(), v.url(), v.maxLength(4096))),
    s3: v.optional(
      v.pipe(v.string(), v.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,62}\/.+$/, "an s3://bucket/key URI")),
    ),
    base64: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(MAX_BASE64_CHARS, "base64 files are capped: send a bigger one by url or s3"),
        v.regex(/^[A-Za-z0-9+/=\s_-]*$/, "not base64"),
      ),
    ),
    mime: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(255),
        v.regex(/^[\w.+-]+\/[\w.+-]+\s*(?:;.*)?$/, "a MIME type like image/png"),
      ),
    ),
    name: v.optional(v.pipe(v.string(), v.maxLength(255))),
    caption: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  }),
  v.check(
    (file) => [file.url, file.s3, file.base64].filter((source) => source !== undefined).length === 1,
    "exactly one of url, s3, base64",
  ),
);

export type AgentFile = v.InferOutput<typeof AgentFileSchema>;

/** A stream's note that the agent sends files (an event with `attachments`), unchecked yet. */
export interface FilesPiece {
  readonly files: readonly unknown[];
}

/** A piece of an agent's answer as it arrives: Markdown, or the files it names. */
export type Piece = string | FilesPiece;

/** The final answer: its text and the files to send after it. */
export interface FinalAnswer {
  readonly text: string;
  readonly files: readonly AgentFile[];
}

/** The kind of file a platform sends natively, told by its type. */
export type FileKind = "image" | "audio" | "voice" | "video" | "document";

/** What a type is sent as: images, voice notes (Ogg/Opus), audio, video, else a document. */
export function fileKind(mime: string): FileKind {
  const type = mime.toLowerCase();
  if (/^image\/(jpeg|png|webp)$/.test(type)) return "image";
  if (type === "audio/ogg" || type === "audio/opus") return "voice";
  if (type.startsWith("audio/")) return "audio";
  if (type === "video/mp4") return "video";
  return "document";
}

/** A Markdown image: `![alt](url)` or `![alt](url "title")`, the URL without spaces. */
const IMAGE = /!\[([^\]\n]*)\]\((https?:\/\/[^\s)]+)(?:\s+"[^"\n]*")?\)/g;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The answer as it is sent: Markdown images with web URLs (outside code) are taken out of the text and
 * become files (fetched only over HTTPS: an `http://` one is said not sent), after them the files the agent named, each checked (a file that is not valid is said in
 * the text, never dropped in silence); at most {@link MAX_FILES}.
 */
export function finalAnswer(text: string, named: readonly unknown[], key?: string): FinalAnswer {
  const files: AgentFile[] = [];
  const notes: string[] = [];
  const lines = text.split("\n");
  let fence: string | undefined;
  for (const [i, line] of lines.entries()) {
    const marker = FENCE.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined || !line.includes("![")) continue;
    lines[i] = line.replace(IMAGE, (_match, alt: string, url: string) => {
      files.push({ url, ...(alt.trim() ? { caption: alt.trim() } : {}), name: nameOf(url) });
      return "";
    });
  }
  for (const raw of named) {
    const parsed = v.safeParse(AgentFileSchema, raw);
    if (parsed.success) files.push(parsed.output);
    else {
      const name = nameFromRaw(raw);
      log.warn("agent.file_invalid", { envelopeId: key, reason: v.summarize(parsed.issues) });
      notes.push(`(${name ? `${name}: ` : ""}a file the agent sent is not valid: not sent)`);
    }
  }
  if (files.length > MAX_FILES) {
    notes.push(`(${files.length - MAX_FILES} more files not sent: at most ${MAX_FILES} per answer)`);
    files.length = MAX_FILES;
  }
  const body = lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text: [body, ...notes].filter((part) => part !== "").join("\n\n"), files };
}

/** The last path segment of a URL, or `image`. */
function nameOf(url: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
    return last.slice(-100) || "image";
  } catch {
    return "image";
  }
}

function nameFromRaw(raw: unknown): string | undefined {
  const name = typeof raw === "object" && raw !== null ? (raw as { name?: unknown }).name : undefined;
  return typeof name === "string" ? name.slice(0, 100) : undefined;
}
