import { type AgentFile, type FileKind, fileKind } from "../agent/files.ts";
import { MediaError } from "../errors.ts";
import { fetchPublic } from "./fetch-out.ts";
import type { MediaStore } from "./store.ts";

/** A file of an answer, with its bytes, ready for a channel to upload (Outbox.file). */
export interface LoadedFile {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly name: string;
  readonly kind: FileKind;
  readonly caption: string | undefined;
}

/** Where the files of answers come from: the media bucket and the size cap (MEDIA_BUCKET, MAX_ATTACHMENT_BYTES). */
export interface OutgoingSettings {
  readonly store: MediaStore | undefined;
  readonly maxBytes: number;
}

/** Loads one file of an answer (see {@link loadFile}). */
export type FileLoader = (file: AgentFile) => Promise<LoadedFile>;

/** Key prefix where the agent puts the files it sends (its role may write there: the module's policy). */
export const OUTBOUND_PREFIX = "outbound/";

/**
 * The bytes of a file the agent names: a `url` downloaded under the safe-fetch rules (./fetch-out.ts), an
 * `s3` URI read from the media bucket only, `base64` decoded; each at most `maxBytes`. The type is the one
 * the agent states, else the one the file is served with, else `application/octet-stream`. Throws a
 * MediaError: refused or too large (not retryable), or a download that failed for now (retryable).
 */
export function fileLoader(settings: OutgoingSettings): FileLoader {
  return async (file) => {
    const { bytes, mime: served } = await bytesOf(file, settings);
    // The type without its parameters (`audio/ogg; codecs=opus` is audio/ogg to every platform).
    const stated = (file.mime ?? served)?.split(";")[0]?.trim().toLowerCase();
    const mime = stated || "application/octet-stream";
    return { bytes, mime, name: file.name ?? "file", kind: fileKind(mime), caption: file.caption };
  };
}

async function bytesOf(
  file: AgentFile,
  { store, maxBytes }: OutgoingSettings,
): Promise<{ bytes: Uint8Array; mime: string | undefined }> {
  if (file.url !== undefined) return fetchPublic(file.url, maxBytes);
  if (file.s3 !== undefined) {
    if (store === undefined) throw new MediaError("media off", { retryable: false });
    return store.read(file.s3, maxBytes);
  }
  const base64 = (file.base64 ?? "").replace(/\s+/g, "");
  // Three bytes per four characters: checked before decoding anything.
  if (Math.floor((base64.length * 3) / 4) > maxBytes + 2)
    throw new MediaError("too large", { retryable: false });
  const bytes = new Uint8Array(
    Buffer.from(base64, base64.includes("-") || base64.includes("_") ? "base64url" : "base64"),
  );
  if (bytes.byteLength > maxBytes) throw new MediaError("too large", { retryable: false });
  if (bytes.byteLength === 0) throw new MediaError("not available", { retryable: false, detail: "empty" });
  return { bytes, mime: undefined };
}
