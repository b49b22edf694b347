import { describe, expect, test } from "bun:test";
import { BundledFunction } from "./function.ts";
import { MediaBucket } from "./media.ts";
import { block, synthJson, testStack } from "./testing.ts";

type Doc = {
  statement: {
    sid: string;
    effect?: string;
    actions: string[];
    resources: string[];
    condition?: unknown[];
  }[];
};

describe("MediaBucket", () => {
  test("private, encrypted, expiring; only its keeper lists it or writes inbound files; a read policy for the agent", () => {
    const stack = testStack();
    const worker = new BundledFunction(stack, "Worker", {
      functionName: "bot-worker",
      bundle: "dist/worker.mjs",
      handler: "worker.handler",
      memorySizeMb: 512,
      timeoutSeconds: 60,
      environment: {},
      logRetentionDays: 14,
    });
    const media = new MediaBucket(stack, "Media", { bucketPrefix: "bot-media-", retentionDays: 2 });
    media.keptBy(worker);
    const config = synthJson(stack);
    expect(block(config, "aws_s3_bucket", "media")).toMatchObject({
      bucket_prefix: "bot-media-",
      force_destroy: true,
    });
    expect(block(config, "aws_s3_bucket_public_access_block", "media")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const lifecycle = block(config, "aws_s3_bucket_lifecycle_configuration", "media") as {
      rule: { expiration: { days: number }[] }[];
    };
    expect(lifecycle.rule[0]?.expiration[0]?.days).toBe(2);
    const policy = block(config, "aws_iam_policy_document", "media_bucket", "data") as unknown as Doc;
    expect(policy.statement.map((s) => [s.sid, s.effect])).toEqual([
      ["TlsOnly", "Deny"],
      ["OnlyTheWorkerLists", "Deny"],
      ["OnlyTheWorkerWritesInbound", "Deny"],
    ]);
    expect(policy.statement[1]?.condition).toEqual([
      { test: "ArnNotEquals", variable: "aws:PrincipalArn", values: ["${aws_iam_role.worker.arn}"] },
    ]);
    expect(policy.statement[2]?.resources).toEqual(["${aws_s3_bucket.media.arn}/in/*"]);
    const read = block(config, "aws_iam_policy_document", "media_read", "data") as unknown as Doc;
    expect(read.statement).toEqual([
      {
        sid: "ReadInboundMedia",
        effect: "Allow",
        actions: ["s3:GetObject"],
        resources: ["${aws_s3_bucket.media.arn}/in/*", "${aws_s3_bucket.media.arn}/relay/*"],
      },
      {
        sid: "WriteOutboundMedia",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: ["${aws_s3_bucket.media.arn}/outbound/*"],
      },
    ]);
    const grants = block(config, "aws_iam_policy_document", "worker", "data") as unknown as Doc;
    expect(grants.statement.at(-1)).toMatchObject({
      sid: "MediaObjects",
      actions: ["s3:GetObject", "s3:PutObject"],
      resources: ["${aws_s3_bucket.media.arn}/*"],
    });
  });
});
