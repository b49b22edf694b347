import { MediaError } from "../errors.ts";

/** Where a stored file is: a presigned HTTPS GET URL and the `s3://bucket/key` URI. */
export interface Stored {
  readonly url: string;
  readonly s3: string;
}

/**
 * Key prefix of the files the relay stores for a channel only it can download from (WhatsApp personal: the
 * media keys are in the Baileys session): `relay/<channel>/…`, which the worker hands out as it does its own.
 */
export const RELAY_MEDIA_PREFIX = "relay/";

/** The media bucket (MEDIA_BUCKET), as the worker writes to it. */
export interface MediaStore {
  /** Stores `bytes` under `key` with its type and file name; gives where it is. */
  put(key: string, bytes: Uint8Array, mime: string, name: string | undefined): Promise<Stored>;
  /**
   * Where a file the relay stored is (`s3://<this bucket>/relay/…`): its presigned URL beside the URI;
   * undefined for any other URI (another bucket, another prefix), which the worker never hands out.
   */
  presign?(s3: string): Promise<Stored | undefined>;
  /**
   * Reads the object an `s3://` URI names, when it is in this bucket (a file the agent sends), at most
   * `maxBytes`. Throws a MediaError: `not available` (another bucket, no such key), `too large`, or a
   * retryable `download failed`.
   */
  read(uri: string, maxBytes: number): Promise<{ bytes: Uint8Array; mime: string | undefined }>;
}

/**
 * The media bucket `bucket`, whose objects are handed out as URLs presigned for `expiresInSeconds`
 * (they end sooner when the worker's role session does: agents that read later use the `s3` URI).
 * The S3 client (./s3-client.ts) loads with the first file stored, not at the worker's cold start.
 */
export function s3MediaStore(bucket: string, expiresInSeconds: number): MediaStore {
  return {
    async put(key, bytes, mime, name) {
      const { putObject, presignedGet } = await import("./s3-client.ts");
      await putObject(bucket, key, bytes, mime, name);
      return { url: await presignedGet(bucket, key, expiresInSeconds), s3: `s3://${bucket}/${key}` };
    },
    async presign(s3) {
      const prefix = `s3://${bucket}/${RELAY_MEDIA_PREFIX}`;
      if (!s3.startsWith(prefix) || s3.includes("/../") || s3.length === prefix.length) return undefined;
      const { presignedGet } = await import("./s3-client.ts");
      const key = s3.slice(`s3://${bucket}/`.length);
      return { url: await presignedGet(bucket, key, expiresInSeconds), s3 };
    },
    async read(uri, maxBytes) {
      const prefix = `s3://${bucket}/`;
      if (!uri.startsWith(prefix))
        throw new MediaError("not available", { retryable: false, detail: "not in the media bucket" });
      const { getObject } = await import("./s3-client.ts");
      return getObject(bucket, uri.slice(prefix.length), maxBytes);
    },
  };
}
