import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import type { Construct } from "constructs";
import { named } from "./expr.ts";

/** Every principal, for a bucket policy's Deny statements (each narrowed by its condition). */
export const EVERYONE = [{ type: "*", identifiers: ["*"] }];

/**
 * What every bucket of ours has: all four public access blocks, and object ownership enforced to the
 * bucket owner (no ACLs). Terraform names: `aws_s3_bucket_public_access_block.<name>` and
 * `aws_s3_bucket_ownership_controls.<name>`.
 */
export function keepPrivate(scope: Construct, bucket: string, name: string): void {
  named(
    new S3BucketPublicAccessBlock(scope, "PublicAccess", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    name,
  );
  named(
    new S3BucketOwnershipControls(scope, "Ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
    name,
  );
}

/** The bucket policy statement every bucket of ours starts with: nothing over plain HTTP. */
export function tlsOnly(arn: string): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "TlsOnly",
    effect: "Deny",
    principals: EVERYONE,
    actions: ["s3:*"],
    resources: [arn, `${arn}/*`],
    condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}
