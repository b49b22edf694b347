import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

/** The few object operations the relay needs for its state: the WhatsApp auth state and pairing QR code, the Discord session. */
export interface ObjectStore {
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}

/**
 * An ObjectStore over one S3 bucket, with the SDK's default configuration (the task role's
 * credentials; `AWS_ENDPOINT_URL_S3` in tests). Server-side encryption is the bucket's default.
 */
export function s3Store(bucket: string, client = new S3Client({})): ObjectStore {
  return {
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await out.Body?.transformToString();
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async deletePrefix(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length > 0) {
          await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
          );
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}
