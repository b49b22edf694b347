import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { IResolvable } from "cdktf";
import { Construct } from "constructs";
import { addr, named, tfString } from "../lib/index.ts";

/** Days S3 keeps overwritten versions of the state (a bad write can be rolled back meanwhile). */
export const NONCURRENT_VERSION_DAYS = 30;

export interface StateBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /** Whether destroy deletes the bucket with every object version in it (else it stops at a bucket with objects). */
  readonly forceDestroy: boolean | IResolvable;
  readonly tags?: Record<string, string>;
}

/**
 * The relay's state: the WhatsApp session's auth state (its keys: whoever reads them is the linked
 * device) and pairing QR code, and the Discord gateway session handed from one task to the next.
 * Private (public access blocked, owner-enforced ownership, TLS only), encrypted (SSE-S3), versioned,
 * with old versions expiring. Terraform names: `aws_s3_bucket.state` and its `state` settings.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = named(
      new S3Bucket(this, "Bucket", {
        bucket: props.bucketName,
        forceDestroy: props.forceDestroy,
        tags: props.tags,
      }),
      "state",
    );
    const b = addr(this.bucket);
    const bucket = this.bucket.id;
    named(
      new S3BucketPublicAccessBlock(this, "PublicAccess", {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      "state",
    );
    named(
      new S3BucketOwnershipControls(this, "Ownership", {
        bucket,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      }),
      "state",
    );
    named(
      new S3BucketServerSideEncryptionConfiguration(this, "Encryption", {
        bucket,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
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
    named(
      new S3BucketPolicy(this, "Policy", {
        bucket,
        policy: tfString(
          `jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "TlsOnly", Effect = "Deny", Principal = "*", Action = "s3:*", Resource = [${b}.arn, "\${${b}.arn}/*"], Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })`,
        ),
      }),
      "state",
    );
  }
}
