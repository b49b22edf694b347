import { MediaError } from "../errors.ts";

/** Where a stored file is: a presigned HTTPS GET URL and the `s3://bucket/key` URI. */
export interface Stored {
  readonly url: string;
  readonly s3: string;
}

/** The media bucket (MEDIA_BUCKET), as the worker writes to it. */
export interface MediaStore {
  /** Stores `bytes` under `key` with its type and file name; gives where it is. */
  put(key: string, bytes: Uint8Array, mime: string, name: string | undefined): Promise<Stored>;
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
    async read(uri, maxBytes) {
      const prefix = `s3://${bucket}/`;
      if (!uri.startsWith(prefix))
        throw new MediaError("not available", { retryable: false, detail: "not in the media bucket" });
      const { getObject } = await import("./s3-client.ts");
      return getObject(bucket, uri.slice(prefix.length), maxBytes);
    },
  };
}
