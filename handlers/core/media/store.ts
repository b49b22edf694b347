import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { lazy } from "../lazy.ts";

/** Where a stored file is: a presigned HTTPS GET URL and the `s3://bucket/key` URI. */
export interface Stored {
  readonly url: string;
  readonly s3: string;
}

/** The media bucket (MEDIA_BUCKET), as the worker writes to it. */
export interface MediaStore {
  /** Stores `bytes` under `key` with its type and file name; gives where it is. */
  put(key: string, bytes: Uint8Array, mime: string, name: string | undefined): Promise<Stored>;
}

const client = lazy(() => new S3Client({}));

/**
 * The media bucket `bucket`, whose objects are handed out as URLs presigned for `expiresInSeconds`
 * (they end sooner when the worker's role session does: agents that read later use the `s3` URI).
 */
export function s3MediaStore(bucket: string, expiresInSeconds: number): MediaStore {
  return {
    async put(key, bytes, mime, name) {
      await client().send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentType: mime,
          ...(name ? { ContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(name)}` } : {}),
        }),
      );
      const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: expiresInSeconds,
      });
      return { url, s3: `s3://${bucket}/${key}` };
    },
  };
}
