/**
 * The KMS keys a module creates and the buckets under them: each key rotated, used only by the principals
 * its policy names (the account may administer it, never use it: else any IAM policy in the account could
 * open what it encrypts), and each bucket under such a key guarded by a bucket policy that denies reading
 * its objects to everyone but those same principals.
 */
import type { Statement } from "./security-policies.ts";

/** A KMS key of a module, and who may use it. */
export interface KeyFigure {
  readonly module: string;
  readonly resource: string;
  readonly rotation: boolean;
  /** Principals its policy lets encrypt, decrypt or grant. */
  readonly users: readonly string[];
  /** What is wrong with it, if anything. */
  readonly problems: readonly string[];
}

/** How a bucket is encrypted at rest, and whether that is enough. */
export interface BucketEncryption {
  readonly module: string;
  readonly resource: string;
  readonly how: string;
  readonly ok: boolean;
}

type Json = Record<string, unknown>;
const entries = (value: unknown): [string, Json][] => Object.entries((value ?? {}) as Record<string, Json>);

/** Actions that use a key (or hand its use on), as opposed to administering it. */
const USE = /^kms:(\*|Decrypt|Encrypt|GenerateDataKey\w*|ReEncrypt\w*|CreateGrant)$/;

/** A principal that stands for the whole account (or everyone): any IAM policy there could use the key. */
const ACCOUNT_WIDE = /^(\*|[0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:root)$|account_id\}$|:root$/;

/** `data.aws_iam_policy_document.<name>` a `policy = "${data.aws_iam_policy_document.<name>.json}"` names. */
function documentOf(policy: unknown): string | undefined {
  const name = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(String(policy ?? ""))?.[1];
  return name === undefined ? undefined : `data.aws_iam_policy_document.${name}`;
}

/** The documents used as key policies (their `Resource "*"` is the key itself). */
export function keyPolicyDocuments(main: Json): Set<string> {
  const resources = (main.resource ?? {}) as Json;
  return new Set(
    entries(resources.aws_kms_key).flatMap(([, key]) => {
      const doc = documentOf(key.policy);
      return doc === undefined ? [] : [doc];
    }),
  );
}

/** Every KMS key of a module: rotated, with a policy, used only by principals it names. */
export function keysOf(module: string, main: Json, statements: readonly Statement[]): KeyFigure[] {
  const resources = (main.resource ?? {}) as Json;
  return entries(resources.aws_kms_key).map(([name, key]) => {
    const doc = documentOf(key.policy);
    const use = statements.filter(
      (s) => s.where === doc && s.effect === "Allow" && s.actions.some((a) => USE.test(a)),
    );
    const users = [...new Set(use.flatMap((s) => s.principals ?? []))];
    const problems = [
      ...(key.enable_key_rotation === true ? [] : ["rotation is off"]),
      ...(doc === undefined ? ["no key policy of its own (the default lets every IAM policy use it)"] : []),
      ...(doc !== undefined && users.length === 0 ? ["nobody may use it"] : []),
      ...users.filter((u) => ACCOUNT_WIDE.test(u)).map((u) => `its policy lets ${u} use it`),
    ];
    return {
      module,
      resource: `aws_kms_key.${name}`,
      rotation: key.enable_key_rotation === true,
      users,
      problems,
    };
  });
}

/** A principal as a reader wants it: `aws_iam_role.task` for `${aws_iam_role.task.arn}`. */
const readable = (principal: string) => principal.replace(/^\$\{(.*)\.arn\}$/, "$1");

/** Resources of a module whose `bucket` attribute names `aws_s3_bucket.<bucket>`. */
const ofBucket = (resources: Json, type: string, bucket: string) =>
  entries(resources[type]).filter(([, r]) => String(r.bucket ?? "").includes(`aws_s3_bucket.${bucket}.`));

/**
 * How each bucket of a module is encrypted: SSE-S3, or SSE-KMS with a module key, which must be a sound key
 * and come with a bucket policy denying object reads to every principal but the key's users.
 */
export function bucketsOf(
  module: string,
  main: Json,
  statements: readonly Statement[],
  keys: readonly KeyFigure[],
): BucketEncryption[] {
  const resources = (main.resource ?? {}) as Json;
  return entries(resources.aws_s3_bucket).map(([name]) => {
    const resource = `aws_s3_bucket.${name}`;
    const [sse] = ofBucket(resources, "aws_s3_bucket_server_side_encryption_configuration", name);
    const rules = ([sse?.[1].rule].flat().filter(Boolean) as Json[]).map(
      (r) => (r.apply_server_side_encryption_by_default ?? {}) as Json,
    );
    const keyName = /aws_kms_key\.([\w-]+)\.arn/.exec(String(rules[0]?.kms_master_key_id ?? ""))?.[1];
    if (rules.length === 0) return { module, resource, how: "SSE-S3 default only", ok: false };
    if (rules[0]?.sse_algorithm !== "aws:kms" || keyName === undefined) {
      return { module, resource, how: `server-side encryption ${String(rules[0]?.sse_algorithm)}`, ok: true };
    }
    const key = keys.find((k) => k.resource === `aws_kms_key.${keyName}`);
    const docs = new Set(
      ofBucket(resources, "aws_s3_bucket_policy", name).map(([, p]) => documentOf(p.policy)),
    );
    const guards = statements.filter(
      (s) =>
        docs.has(s.where) &&
        s.effect === "Deny" &&
        s.actions.includes("s3:GetObject") &&
        (s.principals ?? []).includes("*"),
    );
    const exempt = guards.flatMap((s) =>
      (s.conditions ?? [])
        .filter((c) => /NotEquals$|NotLike$/.test(c.test) && c.variable === "aws:PrincipalArn")
        .flatMap((c) => c.values),
    );
    const sameUsers =
      key !== undefined &&
      exempt.length > 0 &&
      [...new Set(exempt)].sort().join() === [...key.users].sort().join();
    return {
      module,
      resource,
      how:
        `SSE-KMS with ${key?.resource ?? "an unknown key"} (used only by ${key?.users.map(readable).join(", ") || "nobody"}); ` +
        `object reads denied to all but ${exempt.map(readable).join(", ") || "nobody: no guard"}`,
      ok: key !== undefined && key.problems.length === 0 && sameUsers,
    };
  });
}
