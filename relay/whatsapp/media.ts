import type { Attachment, Envelope } from "../../handlers/core/envelope.ts";
import { envelopeId } from "../../handlers/core/envelope.ts";
import { log } from "../../handlers/core/log.ts";
import { mediaKey } from "../../handlers/core/media/attach.ts";
import { RELAY_MEDIA_PREFIX } from "../../handlers/core/media/store.ts";
import { MediaTooLarge } from "./socket.ts";

/**
 * WhatsApp personal's files, fetched where they can be: only the Baileys session holds the keys that
 * decrypt a message's media (and can ask the phone to upload expired media again), so the relay downloads
 * each file before it queues the message and stores it in the WhatsApp-personal module's media bucket
 * under `relay/whatsapp-personal/…`; the envelope's attachment then carries its `s3` URI, and the worker
 * adds the presigned URL the agent gets (handlers/core/media/attach.ts). The worker's limits apply here:
 * a file past `maxBytes` (stated or counted) is `too large`, one past `maxCount` `too many`; a download
 * that keeps failing is `download failed`. Whatever happens to a file, the message's text goes on.
 */

/** The media bucket and its limits (WHATSAPP_MEDIA_BUCKET, WHATSAPP_MAX_ATTACHMENT_BYTES, WHATSAPP_MAX_ATTACHMENTS). */
export interface RelayMediaSettings {
  readonly bucket: string;
  readonly maxBytes: number;
  readonly maxCount: number;
}

/** What storing needs: the session's download, the bucket's put; the waits between attempts. */
export interface RelayMediaDeps {
  download(raw: unknown, maxBytes: number): Promise<Uint8Array>;
  put(key: string, bytes: Uint8Array, mime: string, name: string | undefined): Promise<void>;
  /** Waits before the 2nd and 3rd download attempt, in ms. @default [1000, 3000] */
  readonly retryDelaysMs?: readonly number[];
  /**
   * How long one download attempt may take, in ms: the chat's next messages wait behind it, and Baileys'
   * fetch has no timeout of its own. @default 30000
   */
  readonly attemptTimeoutMs?: number;
}

/** `work`, or a rejection once `ms` have passed (the work itself is left to end on its own). */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The prefix of this channel's files in the bucket: the relay's role may write there and nowhere else. */
export const WHATSAPP_MEDIA_PREFIX = `${RELAY_MEDIA_PREFIX}whatsapp-personal/`;

/** The key of a stored file: the worker's own layout (hashed chat and message), under the relay's prefix. */
export function relayMediaKey(envelope: Envelope, index: number, name: string | undefined): string {
  return `${RELAY_MEDIA_PREFIX}${mediaKey(envelope, index, name).replace(/^in\//, "")}`;
}

/** The envelope with each attachment stored (`s3`) or skipped with the reason. */
export async function storeMedia(
  envelope: Envelope,
  raw: unknown,
  settings: RelayMediaSettings,
  deps: RelayMediaDeps,
): Promise<Envelope> {
  if (envelope.attachments.length === 0) return envelope;
  const attachments: Attachment[] = [];
  for (const [index, attachment] of envelope.attachments.entries()) {
    attachments.push(await storeOne(envelope, index, attachment, raw, settings, deps));
  }
  return { ...envelope, attachments };
}

async function storeOne(
  envelope: Envelope,
  index: number,
  attachment: Attachment,
  raw: unknown,
  settings: RelayMediaSettings,
  deps: RelayMediaDeps,
): Promise<Attachment> {
  const id = envelopeId(envelope);
  const skip = (reason: NonNullable<Attachment["skipped"]>, err?: unknown): Attachment => {
    log.warn("media.skipped", { envelopeId: id, index, reason, ...(err ? { err } : {}) });
    return { ...attachment, skipped: reason };
  };
  if (index >= settings.maxCount) return skip("too many");
  if (attachment.size !== undefined && attachment.size > settings.maxBytes) return skip("too large");
  const delays = deps.retryDelaysMs ?? [1_000, 3_000];
  let bytes: Uint8Array | undefined;
  for (let attempt = 0; bytes === undefined; attempt++) {
    try {
      bytes = await within(deps.download(raw, settings.maxBytes), deps.attemptTimeoutMs ?? 30_000);
    } catch (err) {
      if (err instanceof MediaTooLarge) return skip("too large");
      const delay = delays[attempt];
      if (delay === undefined) return skip("download failed", err);
      log.warn("media.download_retry", { envelopeId: id, index, attempt: attempt + 1, err });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const mime = attachment.mime ?? "application/octet-stream";
  const key = relayMediaKey(envelope, index, attachment.name);
  try {
    await deps.put(key, bytes, mime, attachment.name);
  } catch (err) {
    return skip("download failed", err);
  }
  log.info("media.stored", { envelopeId: id, index, bytes: bytes.byteLength });
  return { ...attachment, mime, size: bytes.byteLength, s3: `s3://${settings.bucket}/${key}` };
}
