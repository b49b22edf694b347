import { createHash } from "node:crypto";
import type { MediaSource } from "../adapter.ts";
import { type Attachment, conversationKey, type Envelope, envelopeId } from "../envelope.ts";
import { isRetryable, MediaError, PlatformError, type SkipReason } from "../errors.ts";
import { log } from "../log.ts";
import { download } from "./download.ts";
import type { MediaStore } from "./store.ts";

/** The media limits and the bucket (the worker's MEDIA_* settings). */
export interface MediaSettings {
  /** The media bucket; undefined: files reach the agent as metadata only (`skipped: "media off"`). */
  readonly store: MediaStore | undefined;
  /** Largest file fetched, in bytes (MAX_ATTACHMENT_BYTES). */
  readonly maxBytes: number;
  /** Most files of one message fetched (MAX_ATTACHMENTS). */
  readonly maxCount: number;
}

/** Key prefix of the files users sent (the module lets only the worker write under it). */
export const INBOUND_PREFIX = "in/";

/**
 * The envelope's attachments as the agent gets them: each fetched from the platform with the channel's
 * credentials (`source`), stored in the media bucket, and given its `url` and `s3`; or left as metadata
 * with `skipped` and the reason. The type stays what the platform stated (the download's Content-Type
 * only where the message had none). A download that failed for now throws (the message comes back,
 * like any transient failure), except on the `lastAttempt`: then the file is `download failed` and the
 * agent still gets the text. Files are fetched one at a time: only one is ever held in memory.
 */
export async function fetchAttachments(
  envelope: Envelope,
  source: MediaSource | undefined,
  settings: MediaSettings,
  lastAttempt: boolean,
): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const [index, attachment] of envelope.attachments.entries()) {
    // Stored by the relay (a channel only it can download from): handed out like the worker's own files.
    if (attachment.s3 !== undefined && attachment.url === undefined && attachment.skipped === undefined) {
      out.push(await relayStored(envelope, index, attachment, settings.store));
      continue;
    }
    if (attachment.url !== undefined || attachment.s3 !== undefined || attachment.skipped !== undefined) {
      out.push(attachment);
      continue;
    }
    const skip = (reason: SkipReason, err?: unknown) => {
      log.warn("media.skipped", { envelopeId: envelopeId(envelope), index, reason, ...(err ? { err } : {}) });
      out.push({ ...attachment, skipped: reason });
    };
    if (settings.store === undefined) skip("media off");
    else if (source === undefined) skip("not available");
    else if (index >= settings.maxCount) skip("too many");
    else if (attachment.size !== undefined && attachment.size > settings.maxBytes) skip("too large");
    else {
      try {
        out.push(await fetchOne(envelope, index, attachment, source, settings.store, settings.maxBytes));
      } catch (err) {
        if (err instanceof MediaError && !err.retryable) skip(err.reason, err);
        else if (err instanceof PlatformError && !isRetryable(err)) skip("not available", err);
        else if (lastAttempt) skip("download failed", err);
        else throw err;
      }
    }
  }
  return out;
}

/**
 * A file the relay stored in the media bucket (`s3` set, no `url`): its presigned URL added; a URI the
 * bucket does not hand out (another bucket or prefix) is dropped, the file `not available`.
 */
async function relayStored(
  envelope: Envelope,
  index: number,
  attachment: Attachment,
  store: MediaStore | undefined,
): Promise<Attachment> {
  const { s3, ...rest } = attachment;
  const stored = s3 === undefined ? undefined : await store?.presign?.(s3);
  if (stored === undefined) {
    log.warn("media.skipped", { envelopeId: envelopeId(envelope), index, reason: "not available" });
    return { ...rest, skipped: store === undefined ? "media off" : "not available" };
  }
  return { ...attachment, ...stored };
}

async function fetchOne(
  envelope: Envelope,
  index: number,
  attachment: Attachment,
  source: MediaSource,
  store: MediaStore,
  maxBytes: number,
): Promise<Attachment> {
  const location = await source.locate(attachment);
  const { bytes, mime: served } = await download(location, maxBytes, attachment.mime ?? location.mime);
  const mime = attachment.mime ?? location.mime ?? served ?? "application/octet-stream";
  const stored = await store.put(mediaKey(envelope, index, attachment.name), bytes, mime, attachment.name);
  log.info("media.stored", { envelopeId: envelopeId(envelope), index, bytes: bytes.byteLength });
  return { ...attachment, mime, size: bytes.byteLength, ...stored };
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

/**
 * The key of a message's file: `in/<channel>/<conversation hash>/<message hash>/<n>-<name>`. Hashes keep
 * chat and user ids out of keys; the same message gives the same key, so a retry overwrites its own copy.
 */
export function mediaKey(envelope: Envelope, index: number, name: string | undefined): string {
  const safe = (name ?? "file").replace(/[^A-Za-z0-9._-]+/g, "_").slice(-100) || "file";
  return `${INBOUND_PREFIX}${envelope.channel}/${digest(conversationKey(envelope))}/${digest(envelopeId(envelope))}/${index}-${safe}`;
}
