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

/** Conditional writes of one object, for the lease (relay/lease.ts). */
export interface LeaseStore {
  /** The object's text and version tag (ETag), or undefined when there is none. */
  read(key: string): Promise<{ body: string; etag: string } | undefined>;
  /**
   * Writes `body` only if the object is still at version `etag`, or, with `etag` undefined, does not exist
   * yet (S3's If-Match / If-None-Match). Returns the new version's tag, or undefined when another writer
   * came first (412 Precondition Failed, 409 ConditionalRequestConflict) and nothing was written.
   */
  writeIf(key: string, body: string, etag: string | undefined): Promise<string | undefined>;
}

/** A state store: the objects, and the conditional writes of the lease over them. */
export type StateStore = ObjectStore & LeaseStore;

/**
 * The S3 client of the state: each attempt gives up after 5 s and there are 3, so a write ends within
 * about 17 s, well inside the lease's margin (relay/lease.ts).
 */
export function stateS3Client(): S3Client {
  return new S3Client({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
}

const isNoSuchKey = (error: unknown) =>
  error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey";

const isConditionFailure = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === "PreconditionFailed" ||
    e.name === "ConditionalRequestConflict" ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
};

/**
 * How an object is encrypted at rest: the relay's state (JSON: the WhatsApp session's keys, the Discord
 * session, the lease) takes the bucket's default — modules/relay: SSE-KMS with a key only the relay's
 * task role may use; what it writes for a person to look at (an image: the pairing QR code) is SSE-S3, so
 * an operator who may read the bucket downloads it without that key. A QR code is worth little once
 * shown: it links whoever scans it within a minute, and is deleted once paired.
 */
export function serverSideEncryption(contentType: string): { ServerSideEncryption?: "AES256" } {
  return contentType.startsWith("image/") ? { ServerSideEncryption: "AES256" } : {};
}

/**
 * A StateStore over one S3 bucket, with the SDK's default configuration (the task role's credentials;
 * `AWS_ENDPOINT_URL_S3` in tests). Server-side encryption: see `serverSideEncryption`.
 */
export function s3Store(bucket: string, client = stateS3Client()): StateStore {
  return {
    async read(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = (await out.Body?.transformToString()) ?? "";
        return { body, etag: out.ETag ?? "" };
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw error;
      }
    },
    async writeIf(key, body, etag) {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/json",
            ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
          }),
        );
        return out.ETag ?? "";
      } catch (error) {
        // If-Match on an object deleted meanwhile: another writer came first too.
        if (isConditionFailure(error) || (etag !== undefined && isNoSuchKey(error))) return undefined;
        throw error;
      }
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await out.Body?.transformToString();
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw error;
      }
    },
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...serverSideEncryption(contentType),
        }),
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
