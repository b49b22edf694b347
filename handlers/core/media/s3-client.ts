import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { lazy } from "../lazy.ts";

/**
 * The SDK's S3 calls of the media bucket. Only ./store.ts loads this file, and only when a message has
 * a file to store: a worker that never stores one never evaluates the S3 client.
 */
const client = lazy(() => new S3Client({}));

/** Puts `bytes` under `key` of `bucket` with its type and, when known, its file name. */
export async function putObject(
  bucket: string,
  key: string,
  bytes: Uint8Array,
  mime: string,
  name: string | undefined,
): Promise<void> {
  await client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentType: mime,
      ...(name ? { ContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(name)}` } : {}),
    }),
  );
}

/** A GET URL of `key` in `bucket`, presigned for `expiresIn` seconds. */
export function presignedGet(bucket: string, key: string, expiresIn: number): Promise<string> {
  return getSignedUrl(client(), new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}
