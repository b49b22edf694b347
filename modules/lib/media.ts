import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";
import { EVERYONE, keepPrivate, tlsOnly } from "./bucket.ts";
import { named } from "./expr.ts";
import type { BundledFunction } from "./function.ts";

/** Key prefix of the files users sent (handlers/core/media/store.ts): the worker writes, the agent may read. */
export const MEDIA_INBOUND_PREFIX = "in/";

/** Key prefix of the files the relay stores (handlers/core/media/store.ts RELAY_MEDIA_PREFIX): the agent may read. */
export const MEDIA_RELAY_PREFIX = "relay/";
/** Key prefix of the files the agent sends (handlers/core/media/outgoing.ts): the agent writes, the worker reads. */
export const MEDIA_OUTBOUND_PREFIX = "outbound/";

/** What the worker does with the media bucket: store a file it fetched, read one back to send it. */
export const MEDIA_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject"];

/** Listing actions nobody but the worker may use on the media bucket (it needs none today). */
export const MEDIA_LIST_ACTIONS = [
  "s3:ListBucket",
  "s3:ListBucketVersions",
  "s3:ListBucketMultipartUploads",
  "s3:ListMultipartUploadParts",
];

export interface MediaBucketProps {
  /**
   * Prefix of the bucket's name (S3 appends a unique suffix), a Terraform expression is fine; at most 37
   * characters of lowercase letters, digits and hyphens.
   */
  readonly bucketPrefix: string;
  /** Days a stored file lives before S3 expires it, at least 1. */
  readonly retentionDays: number;
  readonly tags?: Record<string, string>;
}

/**
 * The media bucket of a channel: the files users send the bot, fetched by the worker with the channel's
 * credentials and handed to the agent as presigned URLs and `s3://` URIs. Private (all four public access
 * blocks, owner-enforced ownership, SSE-S3), TLS only, every object expiring after `retentionDays`
 * (incomplete multipart uploads after one), and emptied on destroy: it holds nothing that outlives a chat
 * turn. The bucket policy denies listing to every principal but the worker, and writing inbound files
 * too; reading is IAM's (the worker's grant, and whatever the caller attaches from the module's
 * `media_read_policy_json` output to the agent's role, which also lets the agent put the files it sends
 * under `outbound/`).
 *
 * Terraform names: `aws_s3_bucket.media` and its `media` settings, `data.aws_iam_policy_document.media_bucket`
 * and `.media_read`.
 */
export class MediaBucket extends Construct {
  readonly bucket: S3Bucket;
  /**
   * A policy document for the agent's role (the module's `media_read_policy_json`): read the inbound files,
   * and write (and read back) the files it sends under `outbound/`.
   */
  readonly readPolicy: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: MediaBucketProps) {
    super(scope, id);
    this.bucket = named(
      new S3Bucket(this, "Bucket", {
        bucketPrefix: props.bucketPrefix,
        // Short-lived copies of chat files: nothing to keep when the bot goes.
        forceDestroy: true,
        tags: props.tags,
      }),
      "media",
    );
    const bucket = this.bucket.id;
    const arn = this.bucket.arn;
    keepPrivate(this, bucket, "media");
    named(
      new S3BucketServerSideEncryptionConfiguration(this, "Encryption", {
        bucket,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      }),
      "media",
    );
    named(
      new S3BucketLifecycleConfiguration(this, "Lifecycle", {
        bucket,
        rule: [
          {
            id: "expire-media",
            status: "Enabled",
            filter: [{}],
            expiration: [{ days: props.retentionDays }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          },
        ],
      }),
      "media",
    );
    this.readPolicy = named(
      new DataAwsIamPolicyDocument(this, "ReadPolicy", {
        statement: [
          {
            sid: "ReadInboundMedia",
            effect: "Allow",
            actions: ["s3:GetObject"],
            // in/: what the worker fetched; relay/: what the relay fetched where only it can (WhatsApp personal).
            resources: [`${arn}/${MEDIA_INBOUND_PREFIX}*`, `${arn}/${MEDIA_RELAY_PREFIX}*`],
          },
          {
            sid: "WriteOutboundMedia",
            effect: "Allow",
            actions: ["s3:GetObject", "s3:PutObject"],
            resources: [`${arn}/${MEDIA_OUTBOUND_PREFIX}*`],
          },
        ],
      }),
      "media_read",
    );
  }

  /**
   * Make `worker` the bucket's keeper: granted `MediaObjects` (get and put any object), and the only
   * principal the bucket policy lets list the bucket or write inbound files. Once.
   */
  keptBy(worker: BundledFunction): void {
    const arn = this.bucket.arn;
    const notTheWorker = [{ test: "ArnNotEquals", variable: "aws:PrincipalArn", values: [worker.role.arn] }];
    const bucketPolicy = named(
      new DataAwsIamPolicyDocument(this, "BucketPolicy", {
        statement: [
          tlsOnly(arn),
          {
            sid: "OnlyTheWorkerLists",
            effect: "Deny",
            principals: EVERYONE,
            actions: MEDIA_LIST_ACTIONS,
            resources: [arn],
            condition: notTheWorker,
          },
          {
            sid: "OnlyTheWorkerWritesInbound",
            effect: "Deny",
            principals: EVERYONE,
            actions: ["s3:PutObject", "s3:DeleteObject"],
            resources: [`${arn}/${MEDIA_INBOUND_PREFIX}*`],
            condition: notTheWorker,
          },
        ],
      }),
      "media_bucket",
    );
    named(new S3BucketPolicy(this, "Policy", { bucket: this.bucket.id, policy: bucketPolicy.json }), "media");
    worker.addToRolePolicy({
      sid: "MediaObjects",
      actions: MEDIA_OBJECT_ACTIONS,
      resources: [`${arn}/*`],
    });
  }
}
