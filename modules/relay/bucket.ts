import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { IResolvable } from "cdktf";
import { Construct } from "constructs";
import { EVERYONE, keepPrivate, named, tlsOnly } from "../lib/index.ts";

/** Days S3 keeps overwritten versions of the state (a bad write can be rolled back meanwhile). */
export const NONCURRENT_VERSION_DAYS = 30;

/** Days a destroyed state key waits before KMS deletes it (AWS's longest: the most time to take it back). */
export const KEY_DELETION_WINDOW_DAYS = 30;

/** What the relay does with the state key: S3 asks KMS for a data key to write, and to decrypt to read. */
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/**
 * What the account may do with the state key: administer it (keep it manageable, as AWS requires: the
 * policy must let someone change the policy), never use it. No `kms:Decrypt`, `kms:GenerateDataKey` or
 * `kms:CreateGrant` here, so no IAM policy in the account can open the state; only the key policy's own
 * grant to the relay's task role can.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
] as const;

/** The reads of an object's content (the current version, and the older ones a versioned bucket keeps). */
export const OBJECT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"] as const;

export interface StateBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /** Whether destroy deletes the bucket with every object version in it (else it stops at a bucket with objects). */
  readonly forceDestroy: boolean | IResolvable;
  /** The account that administers the key (never uses it). */
  readonly accountId: string;
  /** ARN of the relay's task role: the only principal that may use the key and read the session's keys. */
  readonly relayRoleArn: string;
  /**
   * Keys (relative to the bucket, `*` wildcards allowed) whose content only the relay may read, whoever
   * else may read the bucket: the WhatsApp session's credentials and signal keys.
   */
  readonly relayOnlyObjects: readonly string[];
  /** Names the key's description. */
  readonly description: string;
  readonly tags?: Record<string, string>;
}

/**
 * The relay's state: the WhatsApp session's auth state (its keys: whoever reads them is the linked
 * device) and pairing QR code, the Discord gateway session handed from one task to the next, the lease.
 * Private (public access blocked, owner-enforced ownership, TLS only), versioned with old versions
 * expiring, and encrypted with a KMS key of its own (rotated yearly) whose policy lets only the relay's
 * task role use it: read access to the bucket alone (the managed ReadOnlyAccess policy, say) opens
 * nothing encrypted with it. The bucket policy also denies reading the session's keys to every principal
 * but the task role. What the relay writes for a person (the pairing QR code) it writes with SSE-S3
 * (relay/store.ts), so operators can fetch it without the key.
 *
 * Terraform names: `aws_kms_key.state`, `aws_s3_bucket.state` and its `state` settings,
 * `data.aws_iam_policy_document.state_key` and `.state_bucket`.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const keyPolicy = named(
      new DataAwsIamPolicyDocument(this, "KeyPolicy", {
        statement: [
          {
            sid: "AccountAdministersTheKey",
            effect: "Allow",
            principals: [{ type: "AWS", identifiers: [props.accountId] }],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          },
          {
            sid: "RelayUsesTheKey",
            effect: "Allow",
            principals: [{ type: "AWS", identifiers: [props.relayRoleArn] }],
            actions: [...KEY_USE_ACTIONS],
            resources: ["*"],
          },
        ],
      }),
      "state_key",
    );
    this.key = named(
      new KmsKey(this, "Key", {
        description: props.description,
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: keyPolicy.json,
        tags: props.tags,
      }),
      "state",
    );
    this.bucket = named(
      new S3Bucket(this, "Bucket", {
        bucket: props.bucketName,
        forceDestroy: props.forceDestroy,
        tags: props.tags,
        // Destroyed before its key: a bucket that destroy has to keep (objects in it, no force_destroy)
        // keeps its key too, so what it holds stays readable.
        dependsOn: [this.key],
      }),
      "state",
    );
    const bucket = this.bucket.id;
    const arn = this.bucket.arn;
    keepPrivate(this, bucket, "state");
    named(
      new S3BucketServerSideEncryptionConfiguration(this, "Encryption", {
        bucket,
        rule: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
            // One data key per bucket, not per object: KMS is asked about once per hour, not per write.
            bucketKeyEnabled: true,
          },
        ],
      }),
      "state",
    );
    const versioning = named(
      new S3BucketVersioning(this, "Versioning", {
        bucket,
        versioningConfiguration: { status: "Enabled" },
      }),
      "state",
    );
    named(
      new S3BucketLifecycleConfiguration(this, "Lifecycle", {
        bucket,
        rule: [
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: [{}],
            noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_VERSION_DAYS }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          },
        ],
        dependsOn: [versioning],
      }),
      "state",
    );
    const bucketPolicy = named(
      new DataAwsIamPolicyDocument(this, "BucketPolicy", {
        statement: [
          tlsOnly(arn),
          {
            sid: "SessionKeysOnlyForTheRelay",
            effect: "Deny",
            principals: EVERYONE,
            actions: [...OBJECT_READ_ACTIONS],
            resources: props.relayOnlyObjects.map((key) => `${arn}/${key}`),
            condition: [
              { test: "StringNotEquals", variable: "aws:PrincipalArn", values: [props.relayRoleArn] },
            ],
          },
        ],
      }),
      "state_bucket",
    );
    named(new S3BucketPolicy(this, "Policy", { bucket, policy: bucketPolicy.json }), "state");
  }
}
