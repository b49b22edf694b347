import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { MediaError } from "../errors.ts";
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

/**
 * The object `key` of `bucket`, at most `maxBytes` (a file the agent sends). A missing key or a refusal is
 * `not available`; any other failure a retryable `download failed`.
 */
export async function getObject(
  bucket: string,
  key: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; mime: string | undefined }> {
  let output: GetObjectCommandOutput;
  try {
    output = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (cause) {
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403)
      throw new MediaError("not available", { retryable: false, detail: `S3 ${status}`, cause });
    throw new MediaError("download failed", { retryable: true, detail: "S3", cause });
  }
  if ((output.ContentLength ?? 0) > maxBytes) {
    (output.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new MediaError("too large", { retryable: false });
  }
  const bytes = (await output.Body?.transformToByteArray()) ?? new Uint8Array();
  if (bytes.byteLength > maxBytes) throw new MediaError("too large", { retryable: false });
  return { bytes, mime: output.ContentType?.split(";")[0]?.trim() || undefined };
}
