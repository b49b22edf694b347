import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { addr, named, tfNumber, tfString } from "../lib/index.ts";

/** Days S3 keeps overwritten versions of the auth state (a bad write can be rolled back meanwhile). */
export const NONCURRENT_VERSION_DAYS = 30;

export interface AuthBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /** Raw Terraform boolean expression deciding whether it exists. */
  readonly create: string;
  readonly tags?: Record<string, string>;
}

/**
 * The WhatsApp session's auth state (its keys: whoever reads them is the linked device) and the pairing
 * QR code: private (public access blocked, owner-enforced ownership, TLS only), encrypted (SSE-S3),
 * versioned, with old versions expiring. Terraform names: `aws_s3_bucket.auth` and its `auth` settings.
 */
export class AuthBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The bucket's name and ARN (raw Terraform expressions), null when not created. */
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AuthBucketProps) {
    super(scope, id);
    const count = tfNumber(`${props.create} ? 1 : 0`);
    this.bucket = named(
      new S3Bucket(this, "Bucket", { count, bucket: props.bucketName, tags: props.tags }),
      "auth",
    );
    const b = addr(this.bucket);
    this.name = `one(${b}[*].id)`;
    this.arn = `one(${b}[*].arn)`;
    const bucket = tfString(`${b}[0].id`);
    named(
      new S3BucketPublicAccessBlock(this, "PublicAccess", {
        count,
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      "auth",
    );
    named(
      new S3BucketOwnershipControls(this, "Ownership", {
        count,
        bucket,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      }),
      "auth",
    );
    named(
      new S3BucketServerSideEncryptionConfiguration(this, "Encryption", {
        count,
        bucket,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      }),
      "auth",
    );
    const versioning = named(
      new S3BucketVersioning(this, "Versioning", {
        count,
        bucket,
        versioningConfiguration: { status: "Enabled" },
      }),
      "auth",
    );
    named(
      new S3BucketLifecycleConfiguration(this, "Lifecycle", {
        count,
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
      "auth",
    );
    named(
      new S3BucketPolicy(this, "Policy", {
        count,
        bucket,
        policy: tfString(
          `jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "TlsOnly", Effect = "Deny", Principal = "*", Action = "s3:*", Resource = [${b}[0].arn, "\${${b}[0].arn}/*"], Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })`,
        ),
      }),
      "auth",
    );
  }
}
